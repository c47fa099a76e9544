package io.strata.client.cli;

import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmResponse;
import picocli.CommandLine.Command;

/**
 * {@code stratactl alarm list|disarm}: etcdctl's alarm commands. {@code disarm} disarms each alarm
 * the member lists, one request per alarm, as etcd's client does, and prints those it disarmed.
 * simple prints each alarm as Go's {@code %+v} of the message ({@code memberID:N alarm:NOSPACE });
 * json the response (no header for disarm, whose answer the client assembles). Runs on the
 * calling thread.
 */
@Command(
    name = "alarm",
    description = "Alarm related commands",
    subcommands = {AlarmCommand.Disarm.class, AlarmCommand.ListAlarms.class})
final class AlarmCommand extends GroupCommand {

  @Command(name = "list", description = "Lists all alarms")
  static final class ListAlarms extends CtlCommand {
    @Override
    int run() throws Exception {
      AlarmResponse response =
          withConnection(
              c -> c.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build()));
      print(this, response);
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "disarm", description = "Disarms all alarms")
  static final class Disarm extends CtlCommand {
    @Override
    int run() throws Exception {
      AlarmResponse disarmed =
          withConnection(
              connection -> {
                AlarmResponse listed =
                    connection.alarm(
                        AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build());
                AlarmResponse.Builder all = AlarmResponse.newBuilder();
                for (AlarmMember alarm : listed.getAlarmsList()) {
                  all.addAllAlarms(
                      connection
                          .alarm(
                              AlarmRequest.newBuilder()
                                  .setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                                  .setMemberID(alarm.getMemberID())
                                  .setAlarm(alarm.getAlarm())
                                  .build())
                          .getAlarmsList());
                }
                return all.build();
              });
      print(this, disarmed);
      return ExitCodes.SUCCESS;
    }
  }

  private static void print(CtlCommand command, AlarmResponse response) throws CtlException {
    switch (command.format()) {
      case SIMPLE -> {
        for (AlarmMember alarm : response.getAlarmsList()) {
          command.out().line(text(alarm));
        }
      }
      case JSON -> command.out().line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw command.unsupportedFormat();
    }
  }

  /** Go's {@code %+v} of an AlarmMember: its compact text form, each field followed by a space. */
  static String text(AlarmMember alarm) {
    StringBuilder text = new StringBuilder();
    if (alarm.getMemberID() != 0) {
      text.append("memberID:").append(Long.toUnsignedString(alarm.getMemberID())).append(' ');
    }
    if (alarm.getAlarmValue() != 0) {
      text.append("alarm:").append(alarm.getAlarm().name()).append(' ');
    }
    return text.toString();
  }
}
