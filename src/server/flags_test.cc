#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/flags.h"
#include "server/options.h"
#include "server/signal_command.h"

namespace nats {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Parses a command line given without the program name.
FlagParseResult parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"natsd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_flags(static_cast<int>(argv.size()), argv.data());
}

FlagParseResult parse_over(const Options& base, std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"natsd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_flags(static_cast<int>(argv.size()), argv.data(), base);
}

// A flag error as nats-server reports it: Go's message on stderr, then the usage on stdout.
void expect_flag_error(const FlagParseResult& r, const std::string& message) {
  EXPECT_EQ(r.action, FlagAction::kError);
  EXPECT_EQ(r.error, message + "\n");
  EXPECT_TRUE(r.print_usage);
  EXPECT_EQ(r.exit_code, kFlagSyntaxExitCode);
}

// Any other start-up error: "natsd: <reason>", exit 1, no usage.
void expect_startup_error(const FlagParseResult& r, const std::string& reason) {
  EXPECT_EQ(r.action, FlagAction::kError);
  EXPECT_EQ(r.error, "natsd: " + reason + "\n");
  EXPECT_FALSE(r.print_usage);
  EXPECT_EQ(r.exit_code, 1);
}

// ---------------------------------------------------------------------------------------------
// Defaults

TEST(Options, DefaultsMatchNatsServer) {
  Options o;
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 4222);
  EXPECT_EQ(o.http_port, 0);
  EXPECT_EQ(o.https_port, 0);
  EXPECT_EQ(o.max_payload, 1048576);
  EXPECT_EQ(o.max_pending, 64 * 1024 * 1024);
  EXPECT_EQ(o.max_control_line, 4096);
  EXPECT_EQ(o.max_connections, 65536);
  EXPECT_EQ(o.max_subscriptions, 0);
  EXPECT_EQ(o.ping_interval, std::chrono::minutes(2));
  EXPECT_EQ(o.max_pings_out, 2);
  EXPECT_EQ(o.write_deadline, std::chrono::seconds(10));
  EXPECT_EQ(o.lame_duck_duration, std::chrono::minutes(2));
  EXPECT_EQ(o.lame_duck_grace_period, std::chrono::seconds(10));
  EXPECT_EQ(o.max_closed_clients, 10000);
  EXPECT_TRUE(o.logtime);
  EXPECT_FALSE(o.debug || o.trace || o.trace_verbose || o.syslog || o.tls || o.jetstream);
  EXPECT_EQ(o.max_traced_msg_len, 0);
  EXPECT_EQ(o.log_size_limit, 0);
}

TEST(Options, BaselineDerivesPortsAndTimeouts) {
  Options o;
  o.port = 0;
  set_baseline_options(o);
  EXPECT_EQ(o.port, 4222);  // -p 0 means the default port
  EXPECT_EQ(o.http_host, "0.0.0.0");
  EXPECT_EQ(o.auth_timeout, std::chrono::seconds(2));
  EXPECT_EQ(o.tls_timeout, std::chrono::seconds(2));
  EXPECT_EQ(o.auth_timeout_ns(), 2'000'000'000);

  Options random;
  random.port = kRandomPort;
  random.host = "127.0.0.1";
  set_baseline_options(random);
  EXPECT_EQ(random.port, kRandomPort);
  EXPECT_EQ(random.http_host, "127.0.0.1");

  // With TLS the client gets the handshake time on top: tls_timeout + 1s.
  Options tls;
  tls.tls = true;
  set_baseline_options(tls);
  EXPECT_EQ(tls.auth_timeout, std::chrono::seconds(3));

  Options zeros;
  zeros.max_payload = 0;
  zeros.max_pending = 0;
  zeros.max_connections = 0;
  zeros.ping_interval = std::chrono::nanoseconds(0);
  set_baseline_options(zeros);
  EXPECT_EQ(zeros.max_payload, kDefaultMaxPayload);
  EXPECT_EQ(zeros.max_pending, kDefaultMaxPending);
  EXPECT_EQ(zeros.max_connections, kDefaultMaxConnections);
  EXPECT_EQ(zeros.ping_interval, kDefaultPingInterval);
}

TEST(Flags, NoArgumentsRunsWithDefaults) {
  auto r = parse({});
  EXPECT_EQ(r.action, FlagAction::kRun);
  EXPECT_EQ(r.options.port, 4222);
  EXPECT_EQ(r.options.host, "0.0.0.0");
  EXPECT_THAT(r.flags_given, IsEmpty());
  EXPECT_THAT(r.explicit_options, IsEmpty());
  EXPECT_THAT(unsupported_features(r), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Syntax

TEST(Flags, ValueFormsWithOneOrTwoDashes) {
  EXPECT_EQ(parse({"-p", "4001"}).options.port, 4001);
  EXPECT_EQ(parse({"-p=4002"}).options.port, 4002);
  EXPECT_EQ(parse({"--p", "4003"}).options.port, 4003);
  EXPECT_EQ(parse({"--p=4004"}).options.port, 4004);
  EXPECT_EQ(parse({"--port", "4005"}).options.port, 4005);
  EXPECT_EQ(parse({"--port=4006"}).options.port, 4006);
  EXPECT_EQ(parse({"-port", "4007"}).options.port, 4007);
  EXPECT_EQ(parse({"-port=4008"}).options.port, 4008);
  // Only the first '=' splits; the rest belongs to the value.
  EXPECT_EQ(parse({"--pass=a=b"}).options.password, "a=b");
  EXPECT_EQ(parse({"--user="}).options.username, "");
}

TEST(Flags, LastOccurrenceWins) {
  auto r = parse({"-p", "1", "--port", "2", "-p=3"});
  EXPECT_EQ(r.options.port, 3);
  EXPECT_THAT(r.flags_given, UnorderedElementsAre("p", "port"));
}

TEST(Flags, MinusOneIsAValueNotAFlag) {
  auto r = parse({"-p", "-1", "-m", "-1"});
  ASSERT_EQ(r.action, FlagAction::kRun);
  EXPECT_EQ(r.options.port, kRandomPort);
  EXPECT_EQ(r.options.http_port, -1);
  // A value-taking flag swallows the next argument whatever it looks like.
  EXPECT_EQ(parse({"-n", "-D"}).options.server_name, "-D");
  EXPECT_FALSE(parse({"-n", "-D"}).options.debug);
}

TEST(Flags, EveryAliasReachesItsOption) {
  struct Case {
    std::vector<const char*> names;
    std::string Options::*field;
  };
  const Case cases[] = {
      {{"a", "addr", "net"}, &Options::host},
      {{"n", "name", "server_name"}, &Options::server_name},
      {{"client_advertise"}, &Options::client_advertise},
      {{"user"}, &Options::username},
      {{"pass"}, &Options::password},
      {{"auth"}, &Options::authorization},
      {{"P", "pid"}, &Options::pid_file},
      {{"ports_file_dir"}, &Options::ports_file_dir},
      {{"l", "log"}, &Options::log_file},
      {{"r", "remote_syslog"}, &Options::remote_syslog},
      {{"routes"}, &Options::routes},
      {{"tlscert"}, &Options::tls_cert},
      {{"tlskey"}, &Options::tls_key},
      {{"tlscacert"}, &Options::tls_ca_cert},
      {{"sd", "store_dir"}, &Options::store_dir},
      {{"c", "config"}, &Options::config_file},
  };
  for (const Case& c : cases) {
    for (const char* name : c.names) {
      for (const char* dashes : {"-", "--"}) {
        std::string flag = std::string(dashes) + name;
        auto r = parse({flag.c_str(), "value-x"});
        EXPECT_EQ(r.options.*c.field, "value-x") << flag;
      }
    }
  }
  struct IntCase {
    std::vector<const char*> names;
    int Options::*field;
  };
  const IntCase int_cases[] = {
      {{"p", "port"}, &Options::port},
      {{"m", "http_port"}, &Options::http_port},
      {{"ms", "https_port"}, &Options::https_port},
      {{"profile"}, &Options::profile_port},
      {{"max_traced_msg_len"}, &Options::max_traced_msg_len},
  };
  for (const IntCase& c : int_cases) {
    for (const char* name : c.names) {
      std::string flag = std::string("--") + name;
      EXPECT_EQ(parse({flag.c_str(), "77"}).options.*c.field, 77) << flag;
    }
  }
  EXPECT_EQ(parse({"--log_size_limit", "5000000000"}).options.log_size_limit, 5000000000);
  EXPECT_EQ(parse({"--connect_retries", "3"}).options.cluster.connect_retries, 3);
  EXPECT_EQ(parse({"--cluster", "nats://h:6222"}).options.cluster.listen, "nats://h:6222");
  EXPECT_EQ(parse({"--cluster_listen", "nats://h:6223"}).options.cluster.listen, "nats://h:6223");
  EXPECT_EQ(parse({"--cluster_name", "east"}).options.cluster.name, "east");
  EXPECT_EQ(parse({"--cluster_advertise", "h:1"}).options.cluster.advertise, "h:1");
}

TEST(Flags, BooleanFlagsNeedNoValue) {
  auto r = parse({"-D", "-V", "-s", "-js", "--no_advertise", "--logtime_utc"});
  ASSERT_EQ(r.action, FlagAction::kRun);
  EXPECT_TRUE(r.options.debug);
  EXPECT_TRUE(r.options.trace);
  EXPECT_FALSE(r.options.trace_verbose);
  EXPECT_TRUE(r.options.syslog);
  EXPECT_TRUE(r.options.jetstream);
  EXPECT_TRUE(r.options.cluster.no_advertise);
  EXPECT_TRUE(r.options.logtime_utc);
  EXPECT_TRUE(parse({"--debug", "--trace", "--syslog", "--jetstream"}).options.debug);
  EXPECT_TRUE(parse({"--trace"}).options.trace);
  EXPECT_TRUE(parse({"--syslog"}).options.syslog);
  EXPECT_TRUE(parse({"--jetstream"}).options.jetstream);
}

TEST(Flags, BooleanValuesFollowGoParseBool) {
  for (const char* f :
       {"-T=false", "-T=0", "-T=f", "-T=F", "-T=FALSE", "-T=False", "--logtime=false"}) {
    auto r = parse({f});
    ASSERT_EQ(r.action, FlagAction::kRun) << f;
    EXPECT_FALSE(r.options.logtime) << f;
    EXPECT_THAT(r.explicit_options, ElementsAre("logtime"));
  }
  for (const char* f : {"-D=true", "-D=1", "-D=t", "-D=T", "-D=TRUE", "-D=True"}) {
    EXPECT_TRUE(parse({f}).options.debug) << f;
  }
  expect_flag_error(parse({"-D=yes"}), "invalid boolean value \"yes\" for -D: parse error");
  expect_flag_error(parse({"-D="}), "invalid boolean value \"\" for -D: parse error");
  expect_flag_error(parse({"--tls=on"}), "invalid boolean value \"on\" for -tls: parse error");
}

TEST(Flags, BooleanDoesNotTakeTheNextArgument) {
  // "-D false" is -D followed by a stray "false", which nats-server rejects.
  auto r = parse({"-D", "false"});
  expect_startup_error(r, "unrecognized command: \"false\"");
}

TEST(Flags, CombinedLoggingFlags) {
  auto dv = parse({"-DV"});
  EXPECT_TRUE(dv.options.debug);
  EXPECT_TRUE(dv.options.trace);
  EXPECT_FALSE(dv.options.trace_verbose);
  EXPECT_THAT(dv.explicit_options, UnorderedElementsAre("debug", "trace"));

  auto vv = parse({"-VV"});
  EXPECT_FALSE(vv.options.debug);
  EXPECT_TRUE(vv.options.trace);
  EXPECT_TRUE(vv.options.trace_verbose);

  auto dvv = parse({"--DVV"});
  EXPECT_TRUE(dvv.options.debug);
  EXPECT_TRUE(dvv.options.trace);
  EXPECT_TRUE(dvv.options.trace_verbose);
  EXPECT_THAT(dvv.explicit_options, UnorderedElementsAre("debug", "trace", "trace_verbose"));

  // The combined flags are applied after the single ones, whatever the order on the line.
  auto off = parse({"-DV=false", "-D", "-V"});
  EXPECT_FALSE(off.options.debug);
  EXPECT_FALSE(off.options.trace);
  auto on = parse({"-V=false", "-DV"});
  EXPECT_TRUE(on.options.trace);

  // Among themselves they apply in name order: DV, DVV, VV.
  auto mixed = parse({"-VV=false", "-DVV"});
  EXPECT_TRUE(mixed.options.debug);
  EXPECT_FALSE(mixed.options.trace);
  EXPECT_FALSE(mixed.options.trace_verbose);

  // They are separate flags, not bundles of letters.
  expect_flag_error(parse({"-VD"}), "flag provided but not defined: -VD");
  expect_flag_error(parse({"-DD"}), "flag provided but not defined: -DD");
}

TEST(Flags, NumbersFollowGoParseInt) {
  EXPECT_EQ(parse({"-p", "0x10"}).options.port, 16);
  EXPECT_EQ(parse({"-p", "0X1f"}).options.port, 31);
  EXPECT_EQ(parse({"-p", "010"}).options.port, 8);
  EXPECT_EQ(parse({"-p", "0o17"}).options.port, 15);
  EXPECT_EQ(parse({"-p", "0b101"}).options.port, 5);
  EXPECT_EQ(parse({"-p", "1_000"}).options.port, 1000);
  EXPECT_EQ(parse({"-p", "0x_1F"}).options.port, 31);
  EXPECT_EQ(parse({"-p", "+42"}).options.port, 42);
  EXPECT_EQ(parse({"-p", "0"}).options.port, 0);
  EXPECT_EQ(parse({"--log_size_limit", "-9223372036854775808"}).options.log_size_limit, INT64_MIN);

  for (const char* bad : {"x", "", "4222x", "0x", "08", "1__0", "_1", "1_", "1.5", " 1", "--1", "+",
                          "9223372036854775808x"}) {
    expect_flag_error(parse({"-p", bad}),
                      std::string("invalid value \"") + bad + "\" for flag -p: parse error");
  }
  expect_flag_error(parse({"-p", "99999999999999999999"}),
                    "invalid value \"99999999999999999999\" for flag -p: value out of range");
  expect_flag_error(parse({"--log_size_limit=9223372036854775808"}),
                    "invalid value \"9223372036854775808\" for flag -log_size_limit: value out "
                    "of range");
  // Go's int is 64 bits, ours 32: a value only Go could hold is out of range here.
  expect_flag_error(parse({"--port=3000000000"}),
                    "invalid value \"3000000000\" for flag -port: value out of range");
}

TEST(Flags, ValueFlagWithoutValue) {
  expect_flag_error(parse({"-p"}), "flag needs an argument: -p");
  expect_flag_error(parse({"-D", "--signal"}), "flag needs an argument: -signal");
}

TEST(Flags, UnknownFlagsAndBadSyntax) {
  expect_flag_error(parse({"-x"}), "flag provided but not defined: -x");
  expect_flag_error(parse({"--xyz=1"}), "flag provided but not defined: -xyz");
  expect_flag_error(parse({"-Port", "1"}), "flag provided but not defined: -Port");
  expect_flag_error(parse({"---x"}), "bad flag syntax: ---x");
  expect_flag_error(parse({"-=x"}), "bad flag syntax: -=x");
  expect_flag_error(parse({"--=x"}), "bad flag syntax: --=x");
  // nats-server exits 0 after printing the usage for these (its usage function exits 0).
  EXPECT_EQ(parse({"-x"}).exit_code, 0);
}

TEST(Flags, ParsingStopsAtFirstNonFlag) {
  expect_startup_error(parse({"-D", "foo", "-V"}), "unrecognized command: \"foo\"");
  expect_startup_error(parse({"-"}), "unrecognized command: \"-\"");
  expect_startup_error(parse({"--", "-x"}), "unrecognized command: \"-x\"");
  expect_startup_error(parse({"a\"b"}), "unrecognized command: \"a\\\"b\"");
  expect_startup_error(parse({"tab\there"}), "unrecognized command: \"tab\\there\"");
  auto r = parse({"-D", "--"});
  EXPECT_EQ(r.action, FlagAction::kRun);
  EXPECT_TRUE(r.options.debug);
  // What follows the first non-flag is never parsed, so an unknown flag there is no error.
  expect_startup_error(parse({"foo", "-x"}), "unrecognized command: \"foo\"");
}

// ---------------------------------------------------------------------------------------------
// What to do

TEST(Flags, HelpAndVersion) {
  for (const char* f : {"-h", "--help", "-help", "--h"}) {
    EXPECT_EQ(parse({f}).action, FlagAction::kShowHelp) << f;
  }
  for (const char* f : {"-v", "--version"}) {
    EXPECT_EQ(parse({f}).action, FlagAction::kShowVersion) << f;
  }
  EXPECT_EQ(parse({"--help_tls"}).action, FlagAction::kShowTlsHelp);
  EXPECT_EQ(parse({"version"}).action, FlagAction::kShowVersion);
  EXPECT_EQ(parse({"VERSION"}).action, FlagAction::kShowVersion);
  EXPECT_EQ(parse({"help"}).action, FlagAction::kShowHelp);
  EXPECT_EQ(parse({"-D", "Help", "ignored"}).action, FlagAction::kShowHelp);
  // nats-server checks version first, then help, then TLS help.
  EXPECT_EQ(parse({"-h", "-v"}).action, FlagAction::kShowVersion);
  EXPECT_EQ(parse({"--help_tls", "-h"}).action, FlagAction::kShowHelp);
  EXPECT_EQ(parse({"-h=false"}).action, FlagAction::kRun);
  // Help wins over later problems such as a stray argument.
  EXPECT_EQ(parse({"-h", "foo"}).action, FlagAction::kShowHelp);
  EXPECT_EQ(version_text("1.2.3"), "natsd: v1.2.3\n");
}

TEST(Flags, UsageListsEveryFlagInNatsServerLayout) {
  const std::string u = usage_text();
  EXPECT_EQ(u.rfind("\nUsage: natsd [options]\n\nServer Options:\n", 0), 0u);
  EXPECT_TRUE(u.ends_with("--help_tls                   Show TLS help\n\n"));
  EXPECT_THAT(u, HasSubstr("\n    -a, --addr, --net <host>         "));
  EXPECT_THAT(u, HasSubstr("\n        --cluster_advertise <string> "));
  for (const char* f : {"-a,",
                        "--addr",
                        "--net",
                        "-p,",
                        "--port",
                        "-n,",
                        "--name",
                        "--server_name",
                        "-P,",
                        "--pid",
                        "-m,",
                        "--http_port",
                        "-ms,",
                        "--https_port",
                        "-c,",
                        "--config",
                        "-t ",
                        "-sl,",
                        "--signal",
                        "--client_advertise",
                        "--ports_file_dir",
                        "-l,",
                        "--log ",
                        "-T,",
                        "--logtime",
                        "-s,",
                        "--syslog",
                        "-r,",
                        "--remote_syslog",
                        "-D,",
                        "--debug",
                        "-V,",
                        "--trace",
                        "-VV ",
                        "-DV ",
                        "-DVV ",
                        "--log_size_limit",
                        "--max_traced_msg_len",
                        "-js,",
                        "--jetstream",
                        "-sd,",
                        "--store_dir",
                        "--user",
                        "--pass",
                        "--auth",
                        "--tls ",
                        "--tlscert",
                        "--tlskey",
                        "--tlsverify",
                        "--tlscacert",
                        "--routes",
                        "--cluster ",
                        "--cluster_name",
                        "--no_advertise",
                        "--cluster_advertise",
                        "--connect_retries",
                        "--cluster_listen",
                        "--profile",
                        "-h,",
                        "--help",
                        "-v,",
                        "--version",
                        "--help_tls"}) {
    EXPECT_THAT(u, HasSubstr(f));
  }
  EXPECT_THAT(u, ::testing::Not(HasSubstr("nats-server")));
}

TEST(Flags, EveryFlagInTheUsageIsAccepted) {
  for (const char* f : {"-a",
                        "--addr",
                        "--net",
                        "-n",
                        "--name",
                        "--server_name",
                        "-P",
                        "--pid",
                        "-c",
                        "--config",
                        "--client_advertise",
                        "--ports_file_dir",
                        "-l",
                        "--log",
                        "-r",
                        "--remote_syslog",
                        "-sd",
                        "--store_dir",
                        "--user",
                        "--pass",
                        "--auth",
                        "--tlscert",
                        "--tlskey",
                        "--tlscacert",
                        "--routes",
                        "--cluster",
                        "--cluster_name",
                        "--cluster_advertise",
                        "--cluster_listen"}) {
    auto r = parse({f, "v"});
    EXPECT_NE(r.error.find("not defined"), 0u) << f;
    EXPECT_TRUE(r.error.empty() || r.error.rfind("natsd: ", 0) == 0) << f << ": " << r.error;
  }
  for (const char* f :
       {"-p", "--port", "-m", "--http_port", "-ms", "--https_port", "--log_size_limit",
        "--max_traced_msg_len", "--connect_retries", "--profile"}) {
    EXPECT_EQ(parse({f, "1"}).action, FlagAction::kRun) << f;
  }
  for (const char* f : {"-T",          "--logtime",
                        "-s",          "--syslog",
                        "-D",          "--debug",
                        "-V",          "--trace",
                        "-VV",         "-DV",
                        "-DVV",        "-js",
                        "--jetstream", "--no_advertise",
                        "-t",          "--tls",
                        "--tlsverify", "-h",
                        "--help",      "-v",
                        "--version",   "--help_tls"}) {
    auto r = parse({f});
    EXPECT_TRUE(r.error.empty() || r.error.rfind("natsd: ", 0) == 0) << f << ": " << r.error;
  }
}

TEST(Flags, SignalIsRequestedBeforeConfigChecks) {
  auto r = parse({"-sl", "reload"});
  EXPECT_EQ(r.action, FlagAction::kSendSignal);
  EXPECT_EQ(r.signal, "reload");
  EXPECT_EQ(parse({"--signal=stop=123"}).signal, "stop=123");
  EXPECT_EQ(parse({"--signal", "quit=/var/run/natsd.pid"}).signal, "quit=/var/run/natsd.pid");
  EXPECT_EQ(parse({"-sl", "reload", "-t"}).action, FlagAction::kSendSignal);
  // An empty signal is no signal.
  EXPECT_EQ(parse({"-sl", ""}).action, FlagAction::kRun);
  // A stray argument is reported before the signal is sent.
  expect_startup_error(parse({"-sl", "reload", "now"}), "unrecognized command: \"now\"");
}

TEST(Flags, CheckConfigNeedsAConfigFile) {
  expect_startup_error(parse({"-t"}),
                       "must specify [-c, --config] option to check configuration file syntax");
  auto r = parse({"-t", "-c", "natsd.conf"});
  ASSERT_EQ(r.action, FlagAction::kRun);
  EXPECT_TRUE(r.options.check_config);
  EXPECT_EQ(r.options.config_file, "natsd.conf");
  EXPECT_THAT(unsupported_features(r), IsEmpty());  // configuration files are supported
}

TEST(Flags, ExplicitOptionsNameWhatFlagsSet) {
  auto r = parse({"-p", "1", "-a", "127.0.0.1", "-DV", "--cluster", "nats://h:1"});
  EXPECT_THAT(r.flags_given, UnorderedElementsAre("p", "a", "DV", "cluster"));
  EXPECT_THAT(r.explicit_options,
              UnorderedElementsAre("port", "host", "debug", "trace", "cluster.listen"));
  // Command flags set no option.
  EXPECT_THAT(parse({"-sl", "reload"}).explicit_options, IsEmpty());
}

TEST(Flags, SecondPassAppliesFlagsOverConfigFileOptions) {
  Options from_file;
  from_file.config_file = "natsd.conf";
  from_file.port = 5222;
  from_file.debug = true;
  from_file.logtime = false;
  from_file.max_payload = 2048;
  auto r = parse_over(from_file, {"-c", "natsd.conf", "-V", "-p", "6222"});
  ASSERT_EQ(r.action, FlagAction::kRun);
  EXPECT_EQ(r.options.port, 6222);
  EXPECT_TRUE(r.options.debug);
  EXPECT_TRUE(r.options.trace);
  EXPECT_FALSE(r.options.logtime);
  EXPECT_EQ(r.options.max_payload, 2048);
  EXPECT_EQ(r.options.config_file, "natsd.conf");
}

TEST(Flags, RoutesNeedAClusterListener) {
  expect_startup_error(parse({"--routes", "nats://h:6222"}),
                       "solicited routes require cluster capabilities, e.g. --cluster");
  auto with_cluster = parse({"--routes", "nats://h:6222", "--cluster", "nats://0.0.0.0:6222"});
  EXPECT_EQ(with_cluster.action, FlagAction::kRun);
  EXPECT_THAT(unsupported_features(with_cluster), ElementsAre(HasSubstr("clustering")));

  // With a configuration file still to read, the check waits for the second pass.
  EXPECT_EQ(parse({"-c", "f.conf", "--routes", "nats://h:6222"}).action, FlagAction::kRun);
  Options from_file;
  from_file.config_file = "f.conf";
  expect_startup_error(parse_over(from_file, {"-c", "f.conf", "--routes", "nats://h:6222"}),
                       "solicited routes require cluster capabilities, e.g. --cluster");
  from_file.cluster.port = 6222;
  EXPECT_EQ(parse_over(from_file, {"-c", "f.conf", "--routes", "nats://h:6222"}).action,
            FlagAction::kRun);
  // An empty --cluster turns the file's cluster listener off.
  EXPECT_EQ(parse_over(from_file, {"--cluster="}).options.cluster.port, 0);
}

TEST(Flags, TlsFlagsTurnTlsOnUnlessTlsIsFalse) {
  expect_startup_error(parse({"--tls"}), "TLS Server certificate must be present and valid");
  expect_startup_error(parse({"--tlsverify"}), "TLS Server certificate must be present and valid");
  expect_startup_error(parse({"--tlscert", "c.pem"}),
                       "TLS Server private key must be present and valid");
  auto on = parse({"--tlscert", "c.pem", "--tlskey", "k.pem"});
  ASSERT_EQ(on.action, FlagAction::kRun);
  EXPECT_TRUE(on.options.tls);
  EXPECT_THAT(unsupported_features(on), IsEmpty());

  auto off = parse({"--tls=false", "--tlsverify", "--tlscert", "c.pem"});
  ASSERT_EQ(off.action, FlagAction::kRun);
  EXPECT_FALSE(off.options.tls);
  EXPECT_FALSE(off.options.tls_verify);
  EXPECT_THAT(unsupported_features(off), IsEmpty());
}

TEST(Flags, UnsupportedFeaturesAreNamed) {
  auto msgs = [](std::initializer_list<const char*> args) {
    return unsupported_features(parse(args));
  };
  EXPECT_THAT(msgs({"-c", "x.conf"}), IsEmpty());
  EXPECT_THAT(msgs({"-js"}), ElementsAre(HasSubstr("JetStream")));
  EXPECT_THAT(msgs({"-sd", "/tmp/js"}), ElementsAre(HasSubstr("JetStream")));
  EXPECT_THAT(msgs({"-s"}), ElementsAre(HasSubstr("syslog")));
  EXPECT_THAT(msgs({"-r", "udp://localhost:514"}), ElementsAre(HasSubstr("syslog")));
  EXPECT_THAT(msgs({"--profile", "6060"}),
              ElementsAre("profiling (--profile) is not supported yet"));
  EXPECT_THAT(msgs({"-ms", "8443"}), IsEmpty());  // HTTPS monitoring is supported
  EXPECT_THAT(msgs({"--cluster_name", "east"}), ElementsAre(HasSubstr("clustering")));
  EXPECT_THAT(msgs({"--no_advertise"}), ElementsAre(HasSubstr("clustering")));
  EXPECT_THAT(msgs({"--connect_retries", "2"}), ElementsAre(HasSubstr("clustering")));
  EXPECT_THAT(msgs({"-c", "x.conf", "-js", "-s"}), ::testing::SizeIs(2));
  // Things natsd does support are not listed.
  EXPECT_THAT(msgs({"-p", "-1", "-m", "8222", "-DVV", "-l", "x.log", "-P", "x.pid", "--user", "u",
                    "--pass", "p", "-T=false", "--ports_file_dir", "/tmp", "-js=false"}),
              IsEmpty());
  // Nothing to report unless the server is going to run.
  EXPECT_THAT(unsupported_features(parse({"-js", "-h"})), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// --signal

struct FakeSystem {
  std::optional<std::vector<int>> servers = std::vector<int>{};
  std::map<std::string, std::string> files;
  std::vector<std::pair<int, int>> kills;  // pid, signal
  std::map<int, int> kill_errors;          // pid -> errno

  SignalSystem system() {
    return SignalSystem{
        .find_servers = [this] { return servers; },
        .kill =
            [this](int pid, int signo) {
              kills.emplace_back(pid, signo);
              auto it = kill_errors.find(pid);
              return it == kill_errors.end() ? 0 : it->second;
            },
        .read_file = [this](const std::string& path) -> std::optional<std::string> {
          auto it = files.find(path);
          if (it == files.end()) return std::nullopt;
          return it->second;
        },
    };
  }
};

TEST(SignalCommand, CommandsMapToNatsServerSignals) {
  EXPECT_EQ(command_to_signal("stop"), SIGKILL);
  EXPECT_EQ(command_to_signal("quit"), SIGINT);
  EXPECT_EQ(command_to_signal("term"), SIGTERM);
  EXPECT_EQ(command_to_signal("reopen"), SIGUSR1);
  EXPECT_EQ(command_to_signal("reload"), SIGHUP);
  EXPECT_EQ(command_to_signal("ldm"), SIGUSR2);
  EXPECT_EQ(command_to_signal("STOP"), std::nullopt);
  EXPECT_EQ(command_to_signal(""), std::nullopt);
}

TEST(SignalCommand, FindsTheSingleRunningServer) {
  FakeSystem fake;
  fake.servers = std::vector<int>{4321};
  EXPECT_EQ(process_signal("reload", fake.system()), "");
  EXPECT_THAT(fake.kills, ElementsAre(std::pair(4321, SIGHUP)));
}

TEST(SignalCommand, NoneOrSeveralRunning) {
  FakeSystem fake;
  EXPECT_EQ(process_signal("reload", fake.system()), "no natsd processes running");
  fake.servers = std::vector<int>{11, 12};
  EXPECT_EQ(process_signal("reload", fake.system()), "multiple natsd processes running:\n11\n12");
  fake.servers = std::nullopt;
  EXPECT_EQ(process_signal("reload", fake.system()), "unable to resolve pid, try providing one");
  EXPECT_THAT(fake.kills, IsEmpty());
}

TEST(SignalCommand, ExplicitPidOrPidFile) {
  FakeSystem fake;
  fake.servers = std::vector<int>{1, 2, 3};  // not consulted when a pid is given
  EXPECT_EQ(process_signal("quit=777", fake.system()), "");
  fake.files["/run/natsd.pid"] = "888\n";
  EXPECT_EQ(process_signal("ldm=/run/natsd.pid", fake.system()), "");
  EXPECT_THAT(fake.kills, ElementsAre(std::pair(777, SIGINT), std::pair(888, SIGUSR2)));
}

TEST(SignalCommand, ErrorsUseNatsServerWording) {
  FakeSystem fake;
  EXPECT_EQ(process_signal("stop=1=2", fake.system()), "invalid signal parameters: [2]");
  EXPECT_EQ(process_signal("stop=1=2=3", fake.system()), "invalid signal parameters: [2 3]");
  EXPECT_EQ(process_signal("stop=abc", fake.system()), "invalid pid: abc");
  EXPECT_EQ(process_signal("stop=12x*", fake.system()), "invalid pid: 12x");
  // Pids that would reach a process group or every process are refused.
  EXPECT_EQ(process_signal("stop=0", fake.system()), "invalid pid: 0");
  EXPECT_EQ(process_signal("stop=-1", fake.system()), "invalid pid: -1");
  EXPECT_EQ(process_signal("foo=123", fake.system()), "unknown signal \"foo\"");
  EXPECT_EQ(process_signal("=123", fake.system()), "unknown signal \"\"");
  fake.kill_errors[99] = ESRCH;
  EXPECT_EQ(process_signal("term=99", fake.system()), "no such process");
  fake.kill_errors[98] = EPERM;
  EXPECT_EQ(process_signal("term=98", fake.system()), "operation not permitted");
}

TEST(SignalCommand, PidPrefixGlob) {
  FakeSystem fake;
  fake.servers = std::vector<int>{123, 124, 555, 12};
  EXPECT_EQ(process_signal("reopen=12*", fake.system()), "");
  EXPECT_THAT(fake.kills, ElementsAre(std::pair(123, SIGUSR1), std::pair(124, SIGUSR1),
                                      std::pair(12, SIGUSR1)));
  fake.kills.clear();
  EXPECT_EQ(process_signal("term=*", fake.system()), "");
  EXPECT_EQ(fake.kills.size(), 4u);
  fake.kill_errors[555] = ESRCH;
  EXPECT_EQ(process_signal("term=5*", fake.system()), "signal \"term\" 555: no such process");
}

TEST(SignalCommand, ExitCodes) {
  FakeSystem fake;
  fake.servers = std::vector<int>{42};
  EXPECT_EQ(send_signal_command("reload", fake.system()), 0);
  fake.servers = std::vector<int>{};
  EXPECT_EQ(send_signal_command("reload", fake.system()), 1);
}

// A child of this test that waits to be signalled.
pid_t spawn_sleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

int wait_for_signal(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status)) return -1;
  return WTERMSIG(status);
}

TEST(SignalCommand, SignalsARealProcessByPid) {
  pid_t child = spawn_sleeper();
  ASSERT_GT(child, 0);
  EXPECT_EQ(send_signal_command("term=" + std::to_string(child)), 0);
  EXPECT_EQ(wait_for_signal(child), SIGTERM);
}

TEST(SignalCommand, SignalsARealProcessThroughAPidFile) {
  pid_t child = spawn_sleeper();
  ASSERT_GT(child, 0);
  std::string path = ::testing::TempDir() + "natsd_signal_test.pid";
  {
    std::ofstream f(path, std::ios::trunc);
    f << child << "\n";
  }
  EXPECT_EQ(send_signal_command("stop=" + path), 0);
  EXPECT_EQ(wait_for_signal(child), SIGKILL);
  std::remove(path.c_str());
}

TEST(SignalCommand, ProcessScanNeverIncludesThisProcess) {
  auto pids = real_signal_system().find_servers();
  ASSERT_TRUE(pids.has_value());
  for (int p : *pids) EXPECT_NE(p, getpid());
}

}  // namespace
}  // namespace nats
