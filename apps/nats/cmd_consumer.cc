// nats consumer add|ls|info|next|rm: JetStream consumers, with natscli's flags and output.
// `add` is non-interactive: it wants --pull or --target (push), or --defaults (pull); the rest
// takes natscli's defaults (explicit acks, deliver all, instant replay).

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "bench_stats.h"
#include "commands.h"
#include "js_common.h"
#include "js_format.h"
#include "output.h"

namespace nats::cli {

namespace {

using nlohmann::json;

struct ConsumerFlags {
  std::string stream;
  std::string consumer;
  // add
  std::string filter;
  std::string ack = "explicit";
  std::string deliver = "all";
  bool pull = false;
  std::string target;
  std::string deliver_group;
  std::string description;
  int64_t max_deliver = -1;
  int64_t max_pending = 0;
  int64_t max_waiting = 0;
  std::string wait;
  std::string replay = "instant";
  std::string heartbeat;
  bool flow_control = false;
  bool headers_only = false;
  bool defaults = false;
  // ls, info
  bool json = false;
  bool names = false;
  // next
  int count = 1;
  bool no_ack = false;
  bool raw = false;
  // rm
  bool force = false;
};

// The configuration the add flags describe; nullopt with a message when they do not make one.
std::optional<client::ConsumerConfig> config_from_flags(const ConsumerFlags& f, std::string* err) {
  client::ConsumerConfig c;
  c.durable_name = f.consumer;
  c.description = f.description;
  c.filter_subject = f.filter;
  if (!f.pull && f.target.empty() && !f.defaults) {
    *err = "give --pull or --target SUBJECT (push), or --defaults for a pull consumer";
    return std::nullopt;
  }
  if (f.pull && !f.target.empty()) {
    *err = "--pull and --target cannot be combined";
    return std::nullopt;
  }
  c.deliver_subject = f.target;
  c.deliver_group = f.deliver_group;
  c.ack_policy = f.ack == "none"  ? client::AckPolicy::kNone
                 : f.ack == "all" ? client::AckPolicy::kAll
                                  : client::AckPolicy::kExplicit;
  c.replay_policy =
      f.replay == "original" ? client::ReplayPolicy::kOriginal : client::ReplayPolicy::kInstant;
  auto start = parse_start_policy(f.deliver);
  if (!start) {
    *err = fmt::format(
        "--deliver: '{}' is not all, last, new, subject, a sequence or a duration (like 1h)",
        f.deliver);
    return std::nullopt;
  }
  using K = StartPolicy::Kind;
  switch (start->kind) {
    case K::kAll:
      c.deliver_policy = client::DeliverPolicy::kAll;
      break;
    case K::kLast:
      c.deliver_policy = client::DeliverPolicy::kLast;
      break;
    case K::kNew:
      c.deliver_policy = client::DeliverPolicy::kNew;
      break;
    case K::kLastPerSubject:
      c.deliver_policy = client::DeliverPolicy::kLastPerSubject;
      break;
    case K::kSequence:
      c.deliver_policy = client::DeliverPolicy::kByStartSequence;
      c.opt_start_seq = start->seq;
      break;
    case K::kSince:
      c.deliver_policy = client::DeliverPolicy::kByStartTime;
      c.opt_start_time = rfc3339_utc(wall_nanos() - start->ago.count());
      break;
  }
  c.max_deliver = f.max_deliver;
  c.max_ack_pending = f.max_pending;
  c.max_waiting = f.max_waiting;
  auto duration = [err](const char* flag, const std::string& v, client::Nanos& out) {
    if (v.empty()) return true;
    auto d = parse_long_duration(v);
    if (!d || d->count() < 0) {
      *err = fmt::format("--{}: '{}' is not a duration (like 30s)", flag, v);
      return false;
    }
    out = *d;
    return true;
  };
  if (!duration("wait", f.wait, c.ack_wait) ||
      !duration("heartbeat", f.heartbeat, c.idle_heartbeat)) {
    return std::nullopt;
  }
  c.flow_control = f.flow_control;
  c.headers_only = f.headers_only;
  if ((c.flow_control || c.idle_heartbeat.count() > 0) && c.deliver_subject.empty()) {
    *err = "--heartbeat and --flow-control are for push consumers (--target)";
    return std::nullopt;
  }
  return c;
}

std::string deliver_policy_text(const client::ConsumerConfig& c) {
  switch (c.deliver_policy) {
    case client::DeliverPolicy::kAll:
      return "All";
    case client::DeliverPolicy::kLast:
      return "Last";
    case client::DeliverPolicy::kNew:
      return "New";
    case client::DeliverPolicy::kLastPerSubject:
      return "Last Per Subject";
    case client::DeliverPolicy::kByStartTime:
      return "Since " + local_time(c.opt_start_time);
    case client::DeliverPolicy::kByStartSequence:
      return fmt::format("From Sequence {}", c.opt_start_seq);
  }
  return "Unknown";
}

std::string seq_line(const client::SequenceInfo& s, const char* last_what) {
  std::string out = fmt::format("Consumer sequence: {} Stream sequence: {}",
                                with_commas(s.consumer_seq), with_commas(s.stream_seq));
  if (!s.last_active.empty() && !is_zero_time(s.last_active)) {
    out += fmt::format(" {}: {} ago", last_what, since(s.last_active));
  }
  return out;
}

std::string render_info(const client::ConsumerInfo& i) {
  const client::ConsumerConfig& c = i.config;
  Columns cols(fmt::format("Information for Consumer {} > {} created {}", i.stream_name, i.name,
                           local_time(i.created)));
  cols.add_section_title("Configuration");
  cols.add_row_if_not_empty("Name", i.name);
  if (!c.durable_name.empty() && c.durable_name != i.name)
    cols.add_row("Durable Name", c.durable_name);
  cols.add_row_if_not_empty("Description", c.description);
  if (!c.deliver_subject.empty()) {
    cols.add_row("Delivery Subject", c.deliver_subject);
  } else {
    cols.add_row("Pull Mode", "true");
  }
  cols.add_row_if_not_empty("Filter Subject", c.filter_subject);
  cols.add_row("Deliver Policy", deliver_policy_text(c));
  if (!c.deliver_group.empty() && !c.deliver_subject.empty()) {
    cols.add_row("Deliver Queue Group", c.deliver_group);
  }
  cols.add_row("Ack Policy", ack_name(c.ack_policy));
  if (c.ack_policy != client::AckPolicy::kNone)
    cols.add_row("Ack Wait", humanize_duration(c.ack_wait));
  cols.add_row("Replay Policy", replay_name(c.replay_policy));
  if (c.max_deliver != -1) cols.add_row("Maximum Deliveries", with_commas(uint64_t(c.max_deliver)));
  if (c.max_ack_pending > 0)
    cols.add_row("Max Ack Pending", with_commas(uint64_t(c.max_ack_pending)));
  if (c.max_waiting > 0) cols.add_row("Max Waiting Pulls", with_commas(uint64_t(c.max_waiting)));
  if (c.idle_heartbeat.count() > 0)
    cols.add_row("Idle Heartbeat", humanize_duration(c.idle_heartbeat));
  if (!c.deliver_subject.empty()) cols.add_row("Flow Control", c.flow_control ? "true" : "false");
  if (c.headers_only) cols.add_row("Headers Only", "true");
  if (c.inactive_threshold.count() > 0 && c.deliver_subject.empty()) {
    cols.add_row("Inactive Threshold", humanize_duration(c.inactive_threshold));
  }
  if (c.num_replicas > 0) cols.add_row("Replicas", std::to_string(c.num_replicas));
  if (c.mem_storage) cols.add_row("Memory Storage", "true");

  cols.add_section_title("State");
  cols.add_row("Last Delivered Message", seq_line(i.delivered, "Last delivery"));
  if (c.ack_policy != client::AckPolicy::kNone) {
    cols.add_row("Acknowledgment Floor", seq_line(i.ack_floor, "Last Ack"));
    cols.add_row("Outstanding Acks",
                 c.max_ack_pending > 0
                     ? fmt::format("{} out of maximum {}", with_commas(uint64_t(i.num_ack_pending)),
                                   with_commas(uint64_t(c.max_ack_pending)))
                     : with_commas(uint64_t(i.num_ack_pending)));
    cols.add_row("Redelivered Messages", with_commas(uint64_t(i.num_redelivered)));
  }
  cols.add_row("Unprocessed Messages", with_commas(i.num_pending));
  if (c.deliver_subject.empty()) {
    cols.add_row("Waiting Pulls",
                 c.max_waiting > 0
                     ? fmt::format("{} of maximum {}", with_commas(uint64_t(i.num_waiting)),
                                   with_commas(uint64_t(c.max_waiting)))
                     : fmt::format("{} of unlimited", with_commas(uint64_t(i.num_waiting))));
  } else if (i.push_bound) {
    cols.add_row("Active Interest", c.deliver_group.empty()
                                        ? "Active"
                                        : "Active using Queue Group " + c.deliver_group);
  } else {
    cols.add_row("Active Interest", "No interest");
  }
  return cols.render();
}

int print_info(const client::ConsumerInfo& i, bool json_out) {
  if (json_out) {
    fmt::print("{}\n", json::parse(i.json, nullptr, false).dump(2));
  } else {
    fmt::print("{}", render_info(i));
  }
  return 0;
}

int run_add(const GlobalFlags& g, ConsumerFlags& f) {
  std::string err;
  auto cfg = config_from_flags(f, &err);
  if (!cfg) return print_error(err);
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto info = s->js->add_consumer(f.stream, *cfg);
  if (!info) return print_js_error("Consumer creation failed", info.status());
  return print_info(*info, f.json);
}

int run_info(const GlobalFlags& g, ConsumerFlags& f) {
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto info = s->js->consumer_info(f.stream, f.consumer);
  if (!info) {
    return print_js_error(fmt::format("could not load Consumer {} > {}", f.stream, f.consumer),
                          info.status());
  }
  return print_info(*info, f.json);
}

int run_ls(const GlobalFlags& g, ConsumerFlags& f) {
  auto s = connect_jetstream(g);
  if (!s) return 1;
  std::vector<client::ConsumerInfo> all;
  for (int64_t offset = 0;;) {
    auto page = s->js->list_consumers(f.stream, offset);
    if (!page) return print_js_error("could not load Consumers", page.status());
    for (auto& ci : page->consumers) all.push_back(std::move(ci));
    offset = int64_t(all.size());
    if (page->consumers.empty() || offset >= page->page.total) break;
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (f.json || f.names) {
    std::vector<std::string> names;
    for (const auto& c : all) names.push_back(c.name);
    if (f.json) {
      fmt::print("{}\n", json(names).dump(2));
    } else {
      for (const auto& n : names) fmt::print("{}\n", n);
    }
    return 0;
  }
  if (all.empty()) {
    fmt::print("No Consumers defined\n");
    return 0;
  }
  Table t("Consumers");
  t.add_headers({"Name", "Description", "Created", "Ack Pending", "Unprocessed", "Last Delivery"});
  for (const auto& c : all) {
    t.add_row({c.name, c.config.description, local_time(c.created),
               with_commas(uint64_t(c.num_ack_pending)), with_commas(c.num_pending),
               since(c.delivered.last_active)});
  }
  fmt::print("{}\n", t.render());
  return 0;
}

int run_rm(const GlobalFlags& g, ConsumerFlags& f) {
  if (!confirmed(f.force, fmt::format("Really delete Consumer {} > {}", f.stream, f.consumer))) {
    return 1;
  }
  auto s = connect_jetstream(g);
  if (!s) return 1;
  if (client::Status st = s->js->delete_consumer(f.stream, f.consumer); !st) {
    return print_js_error("could not remove Consumer", st);
  }
  return 0;
}

std::string time_of_day() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

int run_next(const GlobalFlags& g, ConsumerFlags& f) {
  if (f.count < 1) return print_error("--count must be at least 1");
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto info = s->js->consumer_info(f.stream, f.consumer);
  if (!info) {
    return print_js_error(fmt::format("could not load Consumer {} > {}", f.stream, f.consumer),
                          info.status());
  }
  if (!info->config.deliver_subject.empty()) {
    return print_error(fmt::format("consumer \"{}\" is not a Pull consumer", f.consumer));
  }
  auto pull = s->js->pull_consumer(f.stream, f.consumer);
  if (!pull) return print_js_error("could not request next message", pull.status());
  for (int i = 0; i < f.count; ++i) {
    auto msgs = pull->fetch(1, g.timeout_ms());
    if (!msgs) return print_js_error("no message received", msgs.status());
    for (client::JsMessage& m : *msgs) {
      if (f.raw) {
        fmt::print("{}\n", m.data());
      } else {
        auto md = m.metadata();
        if (md) {
          fmt::print("[{}] subj: {} / tries: {} / cons seq: {} / str seq: {} / pending: {}\n",
                     time_of_day(), m.subject(), md->num_delivered, md->consumer_seq,
                     md->stream_seq, with_commas(md->num_pending));
        } else {
          fmt::print("--- subject: {}\n", m.subject());
        }
        if (!m.headers().empty()) {
          fmt::print("\nHeaders:\n\n");
          for (const auto& [k, v] : m.headers()) fmt::print("  {}: {}\n", k, v);
          fmt::print("\nData:\n\n");
        }
        fmt::print("\n{}\n", m.data());
      }
      if (!f.no_ack && info->config.ack_policy != client::AckPolicy::kNone) {
        if (client::Status st = m.ack(); !st)
          return print_js_error("could not Acknowledge message", st);
        if (client::Status st = s->nc->flush(g.timeout_ms()); !st) {
          return print_js_error("could not Acknowledge message", st);
        }
        if (!f.raw) fmt::print("\nAcknowledged message\n\n");
      }
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

void add_consumer_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* consumer = app.add_subcommand("consumer", "JetStream Consumer management");
  consumer->alias("con");
  consumer->require_subcommand(1);
  auto f = std::make_shared<ConsumerFlags>();
  auto run = [&g, f](int (*fn)(const GlobalFlags&, ConsumerFlags&)) {
    return [&g, f, fn] { g.exit_code = fn(g, *f); };
  };
  auto args = [f](CLI::App* cmd, bool with_consumer = true) {
    cmd->add_option("stream", f->stream, "Stream name")->required();
    if (with_consumer) cmd->add_option("consumer", f->consumer, "Consumer name")->required();
  };

  CLI::App* add = consumer->add_subcommand("add", "Creates a new Consumer");
  add->alias("create");
  args(add);
  add->add_option("--filter", f->filter, "Filter Stream by subjects");
  add->add_option("--ack", f->ack, "Acknowledgment policy (none, all, explicit)")
      ->check(CLI::IsMember({"none", "all", "explicit"}))
      ->capture_default_str();
  add->add_option("--deliver", f->deliver,
                  "Start policy (all, new, last, subject, 1h, msg sequence)")
      ->capture_default_str();
  add->add_flag("--pull", f->pull, "Deliver messages in 'pull' mode");
  add->add_option("--target", f->target, "Push based delivery target subject");
  add->add_option("--deliver-group", f->deliver_group,
                  "Delivers push messages only to subscriptions matching this group");
  add->add_option("--description", f->description,
                  "Sets a contextual description for the consumer");
  add->add_option("--max-deliver", f->max_deliver,
                  "Maximum amount of times a message will be delivered");
  add->add_option("--max-pending", f->max_pending,
                  "Maximum pending Acks before consumers are paused");
  add->add_option("--max-waiting", f->max_waiting, "Maximum number of outstanding pulls allowed");
  add->add_option("--wait", f->wait, "Acknowledgment waiting time");
  add->add_option("--replay", f->replay, "Replay rate (instant, original)")
      ->check(CLI::IsMember({"instant", "original"}))
      ->capture_default_str();
  add->add_option("--heartbeat", f->heartbeat, "Enable idle Push heartbeats (-1 disable)");
  add->add_flag("--flow-control", f->flow_control, "Enable Push based Flow Control");
  add->add_flag("--headers-only", f->headers_only, "Deliver only headers and no bodies");
  add->add_flag("--defaults", f->defaults,
                "Accept default values for all prompts (a pull consumer)");
  add->add_flag("-j,--json", f->json, "Produce JSON output");
  add->callback(run(run_add));

  CLI::App* ls = consumer->add_subcommand("ls", "List known Consumers");
  ls->alias("list");
  args(ls, false);
  ls->add_flag("-j,--json", f->json, "Produce JSON output");
  ls->add_flag("-n,--names", f->names, "Show just the consumer names");
  ls->callback(run(run_ls));

  CLI::App* info = consumer->add_subcommand("info", "Consumer information");
  args(info);
  info->add_flag("-j,--json", f->json, "Produce JSON output");
  info->callback(run(run_info));

  CLI::App* next = consumer->add_subcommand("next", "Retrieves messages from Pull Consumers");
  args(next);
  next->add_option("--count", f->count, "Number of messages to try to fetch")
      ->capture_default_str();
  next->add_flag("--no-ack", f->no_ack, "Do not acknowledge the messages");
  next->add_flag("--raw", f->raw, "Show only the message data");
  next->callback(run(run_next));

  CLI::App* rm = consumer->add_subcommand("rm", "Removes a Consumer");
  rm->alias("delete");
  args(rm);
  rm->add_flag("-f,--force", f->force, "Force removal without prompting");
  rm->callback(run(run_rm));
}

}  // namespace nats::cli
