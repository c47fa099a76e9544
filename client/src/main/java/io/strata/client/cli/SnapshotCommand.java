package io.strata.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl snapshot save <filename>}: etcdctl's snapshot save. Streams {@code
 * Maintenance.Snapshot} from the one endpoint given into {@code <filename>.part} (mode 0600),
 * syncs it, renames it to {@code <filename>} and prints {@code Snapshot saved at <filename>}. A
 * failure exits 5, as in etcdctl. No deadline: a large snapshot takes as long as it takes. While
 * it downloads and stderr is a terminal, shows the bytes received there. (Restoring is {@code
 * strata snapshot restore}.) The calling thread waits while the client library's thread writes the
 * file.
 */
@Command(
    name = "snapshot",
    description = "Manages etcd node snapshots",
    subcommands = {SnapshotCommand.Save.class})
final class SnapshotCommand extends GroupCommand {

  @Command(name = "save", description = "Stores an etcd node backend snapshot to a given file")
  static final class Save extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<filename>", description = "file")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("snapshot save expects one argument");
      }
      List<String> endpoints = root().endpointTexts();
      if (endpoints.size() != 1) {
        throw new CtlException(
            "snapshot must be requested to one selected node, not multiple " + GoFormat.list(endpoints),
            ExitCodes.INTERRUPTED);
      }
      Path path = Path.of(args.get(0));
      Path part = Path.of(args.get(0) + ".part");
      try {
        withConnection(connection -> save(connection, path, part));
      } catch (CtlException e) {
        throw e.withExitCode(ExitCodes.INTERRUPTED);
      }
      out().line("Snapshot saved at " + args.get(0));
      return ExitCodes.SUCCESS;
    }

    private Void save(Connection connection, Path path, Path part) throws CtlException {
      try (FileChannel file = open(part);
          Progress progress = Progress.bytes(root().progressSink(spec), "Downloading snapshot")) {
        connection.snapshot(new ProgressingFile(file, progress));
        file.force(true);
        progress.done();
      } catch (IOException e) {
        throw new CtlException("could not write " + part + " (" + goError("write", part, e) + ")");
      }
      try {
        Files.move(part, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new CtlException(
            "could not rename " + part + " to " + path + " (" + goError("rename", part, e) + ")");
      }
      return null;
    }

    /** Writes the snapshot's chunks to the file and counts them on the progress line. Not thread-safe. */
    private static final class ProgressingFile extends OutputStream {
      private final FileChannel file;
      private final Progress progress;

      ProgressingFile(FileChannel file, Progress progress) {
        this.file = file;
        this.progress = progress;
      }

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
          file.write(buffer);
        }
        progress.advance(length);
      }
    }

    private static FileChannel open(Path part) throws CtlException {
      try {
        FileChannel file =
            FileChannel.open(
                part,
                StandardOpenOption.WRITE,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
          Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system: keep the default permissions
        }
        return file;
      } catch (IOException e) {
        throw new CtlException("could not open " + part + " (" + goError("open", part, e) + ")");
      }
    }

    /** A file error as Go's os package words it: {@code open x.part: no such file or directory}. */
    private static String goError(String operation, Path path, IOException e) {
      String why;
      if (e instanceof NoSuchFileException) {
        why = "no such file or directory";
      } else if (e instanceof AccessDeniedException) {
        why = "permission denied";
      } else if (e instanceof FileAlreadyExistsException) {
        why = "file exists";
      } else {
        why = e.getMessage();
      }
      return operation + " " + path + ": " + why;
    }
  }
}
