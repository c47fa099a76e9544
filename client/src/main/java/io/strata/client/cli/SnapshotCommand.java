package io.strata.client.cli;

import io.strata.api.etcdserverpb.SnapshotResponse;
import java.io.IOException;
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
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl snapshot save <filename>}: etcdctl's snapshot save. Streams {@code
 * Maintenance.Snapshot} from the one endpoint given into {@code <filename>.part} (mode 0600),
 * syncs it, renames it to {@code <filename>} and prints {@code Snapshot saved at <filename>}. A
 * failure exits 5, as in etcdctl. No deadline: a large snapshot takes as long as it takes. While
 * it downloads and stderr is a terminal, shows the bytes received there. (Restoring is {@code
 * strata snapshot restore}.) Runs on the calling thread.
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
        Iterator<SnapshotResponse> chunks = connection.snapshot();
        try {
          while (chunks.hasNext()) {
            SnapshotResponse chunk = chunks.next();
            for (java.nio.ByteBuffer buffer : chunk.getBlob().asReadOnlyByteBufferList()) {
              while (buffer.hasRemaining()) {
                file.write(buffer);
              }
            }
            progress.advance(chunk.getBlob().size());
          }
        } catch (Connection.SnapshotFailure e) {
          throw e.rpcException();
        }
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
