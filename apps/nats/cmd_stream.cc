// nats stream add|ls|info|edit|rm|purge|get|rmm: JetStream streams, with natscli's flags and its
// way of showing them. Nothing here is interactive: `add` takes its settings from flags (the rest
// from natscli's defaults with --defaults, or a JSON file with --config), and the destructive
// verbs want -f when stdin is not a terminal.

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench_stats.h"
#include "commands.h"
#include "js_common.h"
#include "js_format.h"
#include "output.h"

namespace nats::cli {

namespace {

using nlohmann::json;

// The flags that shape a stream's configuration; `add` and `edit` share them, and `edit`
// changes only what was given.
struct StreamConfigFlags {
  std::vector<std::string> subjects;
  std::string description;
  std::string storage;
  std::string retention;
  std::string discard;
  std::string max_msgs;
  std::string max_bytes;
  std::string max_age;
  std::string max_msg_size;
  std::string max_msgs_per_subject;
  std::string max_consumers;
  std::string dupe_window;
  int replicas = 1;
  bool allow_rollup = false;
  bool deny_delete = false;
  bool deny_purge = false;
  bool allow_direct = false;
  bool no_ack = false;
  std::map<std::string, CLI::Option*> opts;
  bool given(const std::string& name) const {
    auto it = opts.find(name);
    return it != opts.end() && it->second->count() > 0;
  }
};

struct StreamFlags {
  std::string stream;
  StreamConfigFlags add_cfg;  // each subcommand has its own options to ask what was given
  StreamConfigFlags edit_cfg;
  bool defaults = false;
  std::string config_file;
  bool json = false;
  bool names = false;
  bool force = false;
  std::string subject;  // ls: streams taking it; purge: only it; get: --last-for
  std::string filter;   // info: subjects to count
  int64_t seq = 0;      // get, rmm: the message; purge: up to it
  int64_t keep = 0;
};

void add_config_flags(CLI::App* cmd, StreamConfigFlags& c) {
  auto& o = c.opts;
  o["subjects"] =
      cmd->add_option("--subjects", c.subjects, "Subjects that are consumed by the Stream")
          ->delimiter(',');
  o["description"] = cmd->add_option("--description", c.description,
                                     "Sets a contextual description for the stream");
  o["storage"] = cmd->add_option("--storage", c.storage, "Storage backend to use (file, memory)")
                     ->check(CLI::IsMember({"file", "f", "memory", "m"}));
  o["retention"] = cmd->add_option("--retention", c.retention,
                                   "Defines a retention policy (limits, interest, work)")
                       ->check(CLI::IsMember({"limits", "interest", "work", "workq", "workqueue"}));
  o["discard"] = cmd->add_option("--discard", c.discard, "Defines the discard policy (new, old)")
                     ->check(CLI::IsMember({"new", "old"}));
  o["max-msgs"] = cmd->add_option("--max-msgs", c.max_msgs,
                                  "Maximum amount of messages to keep (-1: unlimited)");
  o["max-bytes"] = cmd->add_option("--max-bytes", c.max_bytes,
                                   "Maximum bytes to keep (1GB, 10MiB, -1: unlimited)");
  o["max-age"] = cmd->add_option("--max-age", c.max_age,
                                 "Maximum age of messages to keep (1h, 7d, -1: unlimited)");
  o["max-msg-size"] = cmd->add_option("--max-msg-size", c.max_msg_size,
                                      "Maximum size any one message may be (-1: unlimited)");
  o["max-msgs-per-subject"] =
      cmd->add_option("--max-msgs-per-subject", c.max_msgs_per_subject,
                      "Maximum amount of messages to keep per subject (-1: unlimited)");
  o["max-consumers"] = cmd->add_option("--max-consumers", c.max_consumers,
                                       "Maximum number of consumers to allow (-1: unlimited)");
  o["dupe-window"] = cmd->add_option("--dupe-window", c.dupe_window,
                                     "Duration window to track duplicate messages for (2m)");
  o["replicas"] = cmd->add_option("--replicas", c.replicas,
                                  "When clustered, how many replicas of the data to create");
  o["allow-rollup"] =
      cmd->add_flag("--allow-rollup", c.allow_rollup,
                    "Allows roll-ups to be done by publishing messages with special headers");
  o["deny-delete"] =
      cmd->add_flag("--deny-delete", c.deny_delete, "Deny messages from being deleted via the API");
  o["deny-purge"] = cmd->add_flag("--deny-purge", c.deny_purge,
                                  "Deny entire stream or subject purges via the API");
  o["allow-direct"] =
      cmd->add_flag("--allow-direct", c.allow_direct,
                    "Allows fast, direct, access to stream data via the direct get API");
  o["no-ack"] =
      cmd->add_flag("--no-ack", c.no_ack, "Disable acknowledgements of published messages");
}

bool parse_count(const std::string& flag, const std::string& v, int64_t& out, std::string* err) {
  try {
    size_t used = 0;
    const int64_t n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    out = n < 0 ? -1 : n;
    return true;
  } catch (const std::exception&) {
    *err = fmt::format("--{}: '{}' is not a number", flag, v);
    return false;
  }
}

// Applies the given flags to `cfg`; false with a message for a value that does not parse.
bool apply_config_flags(const StreamConfigFlags& f, client::StreamConfig& cfg, std::string* err) {
  if (f.given("subjects")) cfg.subjects = f.subjects;
  if (f.given("description")) cfg.description = f.description;
  if (f.given("storage")) {
    cfg.storage = f.storage[0] == 'm' ? client::StorageType::kMemory : client::StorageType::kFile;
  }
  if (f.given("retention")) {
    cfg.retention = f.retention == "limits"     ? client::RetentionPolicy::kLimits
                    : f.retention == "interest" ? client::RetentionPolicy::kInterest
                                                : client::RetentionPolicy::kWorkQueue;
  }
  if (f.given("discard")) {
    cfg.discard = f.discard == "new" ? client::DiscardPolicy::kNew : client::DiscardPolicy::kOld;
  }
  if (f.given("max-msgs") && !parse_count("max-msgs", f.max_msgs, cfg.max_msgs, err)) return false;
  if (f.given("max-msgs-per-subject") &&
      !parse_count("max-msgs-per-subject", f.max_msgs_per_subject, cfg.max_msgs_per_subject, err)) {
    return false;
  }
  if (f.given("max-consumers") &&
      !parse_count("max-consumers", f.max_consumers, cfg.max_consumers, err)) {
    return false;
  }
  if (f.given("max-bytes")) {
    auto n = parse_byte_size(f.max_bytes);
    if (!n) {
      *err = fmt::format("--max-bytes: '{}' is not a size (like 1GB, 512MiB, -1)", f.max_bytes);
      return false;
    }
    cfg.max_bytes = *n;
  }
  if (f.given("max-msg-size")) {
    auto n = parse_byte_size(f.max_msg_size);
    if (!n || *n > INT32_MAX) {
      *err = fmt::format("--max-msg-size: '{}' is not a size (like 1MB, -1)", f.max_msg_size);
      return false;
    }
    cfg.max_msg_size = int32_t(*n);
  }
  if (f.given("max-age")) {
    if (f.max_age == "-1" || f.max_age == "0" || f.max_age.empty()) {
      cfg.max_age = client::Nanos(0);
    } else if (auto d = parse_long_duration(f.max_age); d && d->count() > 0) {
      cfg.max_age = *d;
    } else {
      *err = fmt::format("--max-age: '{}' is not a duration (like 1h, 7d, -1)", f.max_age);
      return false;
    }
  }
  if (f.given("dupe-window")) {
    auto d = parse_long_duration(f.dupe_window);
    if (!d || d->count() < 0) {
      *err = fmt::format("--dupe-window: '{}' is not a duration (like 2m)", f.dupe_window);
      return false;
    }
    cfg.duplicate_window = *d;
  }
  if (f.given("replicas")) cfg.num_replicas = f.replicas;
  if (f.given("allow-rollup")) cfg.allow_rollup_hdrs = f.allow_rollup;
  if (f.given("deny-delete")) cfg.deny_delete = f.deny_delete;
  if (f.given("deny-purge")) cfg.deny_purge = f.deny_purge;
  if (f.given("allow-direct")) cfg.allow_direct = f.allow_direct;
  if (f.given("no-ack")) cfg.no_ack = f.no_ack;
  return true;
}

std::string limit_count(int64_t v) { return v < 0 ? "unlimited" : with_commas(uint64_t(v)); }

std::string render_info(const client::StreamInfo& info, bool state_only) {
  const client::StreamConfig& c = info.config;
  Columns cols(fmt::format("{} for Stream {} created {}", state_only ? "State" : "Information",
                           c.name, local_time(info.created)));
  if (!state_only) {
    cols.add_row_if_not_empty("Description", c.description);
    if (!c.subjects.empty()) {
      std::string s;
      for (const auto& subj : c.subjects) s += (s.empty() ? "" : ", ") + subj;
      cols.add_row("Subjects", s);
    }
    cols.add_row("Replicas", std::to_string(c.num_replicas));
    if (c.sealed) cols.add_row("Sealed", "true");
    cols.add_row("Storage", storage_name(c.storage));
    cols.add_section_title("Options");
    cols.add_row("Retention", retention_name(c.retention));
    cols.add_row("Acknowledgments", c.no_ack ? "false" : "true");
    cols.add_row("Discard Policy",
                 c.discard_new_per_subject ? "New Per Subject" : discard_name(c.discard));
    cols.add_row("Duplicate Window", humanize_duration(c.duplicate_window));
    if (c.allow_direct) cols.add_row("Direct Get", "true");
    cols.add_row("Allows Msg Delete", c.deny_delete ? "false" : "true");
    cols.add_row("Allows Purge", c.deny_purge ? "false" : "true");
    cols.add_row("Allows Rollups", c.allow_rollup_hdrs ? "true" : "false");
    cols.add_section_title("Limits");
    cols.add_row("Maximum Messages", limit_count(c.max_msgs));
    cols.add_row("Maximum Per Subject",
                 c.max_msgs_per_subject <= 0 ? "unlimited" : limit_count(c.max_msgs_per_subject));
    cols.add_row("Maximum Bytes", c.max_bytes < 0 ? "unlimited" : ibytes(uint64_t(c.max_bytes)));
    cols.add_row("Maximum Age",
                 c.max_age.count() <= 0 ? "unlimited" : humanize_duration(c.max_age));
    cols.add_row("Maximum Message Size",
                 c.max_msg_size < 0 ? "unlimited" : ibytes(uint64_t(c.max_msg_size)));
    cols.add_row("Maximum Consumers", limit_count(c.max_consumers));
  }
  const client::StreamState& s = info.state;
  cols.add_section_title("State");
  cols.add_row("Messages", with_commas(s.messages));
  cols.add_row("Bytes", ibytes(s.bytes));
  auto seq_at = [](uint64_t seq, const std::string& ts) {
    return is_zero_time(ts) ? with_commas(seq)
                            : fmt::format("{} @ {}", with_commas(seq), local_time(ts));
  };
  cols.add_row("First Sequence", seq_at(s.first_seq, s.first_ts));
  cols.add_row("Last Sequence", seq_at(s.last_seq, s.last_ts));
  if (s.num_deleted > 0) cols.add_row("Deleted Messages", with_commas(uint64_t(s.num_deleted)));
  cols.add_row("Active Consumers", std::to_string(s.consumer_count));
  if (s.num_subjects > 0) cols.add_row("Number of Subjects", with_commas(uint64_t(s.num_subjects)));
  if (!s.subjects.empty()) {
    cols.add_section_title("Subjects");
    for (const auto& [subj, n] : s.subjects) cols.add_row(subj, with_commas(n));
  }
  return cols.render();
}

int show_info(client::JetStream& js, const std::string& name, bool json_out, bool state_only,
              const std::string& filter = {}) {
  client::StreamInfoOptions o;
  o.subjects_filter = filter;
  auto info = js.stream_info(name, o);
  if (!info) return print_js_error("could not request Stream info", info.status());
  if (json_out) {
    fmt::print("{}\n", json::parse(info->json, nullptr, false).dump(2));
  } else {
    fmt::print("{}", render_info(*info, state_only));
  }
  return 0;
}

int run_add(const GlobalFlags& g, StreamFlags& f) {
  client::StreamConfig cfg;
  cfg.name = f.stream;
  if (!f.config_file.empty()) {
    std::ifstream in(f.config_file);
    std::stringstream text;
    text << in.rdbuf();
    json j = json::parse(text.str(), nullptr, false);
    if (!in || !j.is_object()) {
      return print_error(
          fmt::format("could not read a JSON stream configuration from {}", f.config_file));
    }
    j["name"] = f.stream;
    cfg.extra_json = j.dump();
  } else if (!f.defaults && !f.add_cfg.given("subjects")) {
    return print_error("--subjects is required (or pass --defaults to take the stream name)");
  } else {
    cfg.subjects = {f.stream};
    cfg.duplicate_window = std::chrono::minutes(2);
    std::string err;
    if (!apply_config_flags(f.add_cfg, cfg, &err)) return print_error(err);
  }
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto info = s->js->add_stream(cfg);
  if (!info) return print_js_error("could not create Stream", info.status());
  fmt::print("Stream {} was created\n\n", f.stream);
  fmt::print("{}", render_info(*info, false));
  return 0;
}

int run_edit(const GlobalFlags& g, StreamFlags& f) {
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto info = s->js->stream_info(f.stream);
  if (!info) return print_js_error("could not request Stream info", info.status());
  client::StreamConfig cfg = info->config;
  std::string err;
  if (!apply_config_flags(f.edit_cfg, cfg, &err)) return print_error(err);
  if (!confirmed(f.force, fmt::format("Really edit Stream {}", f.stream))) return 1;
  auto updated = s->js->update_stream(cfg);
  if (!updated) return print_js_error("could not edit Stream", updated.status());
  fmt::print("Stream {} was updated\n\n", f.stream);
  fmt::print("{}", render_info(*updated, false));
  return 0;
}

int run_ls(const GlobalFlags& g, StreamFlags& f) {
  auto s = connect_jetstream(g);
  if (!s) return 1;
  if (f.names || f.json) {
    auto names = s->js->all_stream_names(f.subject);
    if (!names) return print_js_error("could not list streams", names.status());
    std::sort(names->begin(), names->end());
    if (f.json) {
      fmt::print("{}\n", json(*names).dump(2));
    } else {
      for (const auto& n : *names) fmt::print("{}\n", n);
    }
    return 0;
  }
  std::vector<client::StreamInfo> all;
  for (int64_t offset = 0;;) {
    auto page = s->js->list_streams(offset, f.subject);
    if (!page) return print_js_error("could not list streams", page.status());
    for (auto& si : page->streams) all.push_back(std::move(si));
    offset = int64_t(all.size());
    if (page->streams.empty() || offset >= page->page.total) break;
  }
  if (all.empty()) {
    fmt::print("No Streams defined\n");
    return 0;
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.state.bytes < b.state.bytes; });
  Table t(f.subject.empty() ? "Streams" : "Streams matching " + f.subject);
  t.add_headers({"Name", "Description", "Created", "Messages", "Size", "Last Message"});
  for (const auto& si : all) {
    t.add_row({si.config.name, si.config.description, local_time(si.created),
               with_commas(si.state.messages), ibytes(si.state.bytes), since(si.state.last_ts)});
  }
  fmt::print("{}\n", t.render());
  return 0;
}

int run_rm(const GlobalFlags& g, StreamFlags& f) {
  if (!confirmed(f.force, fmt::format("Really delete Stream {}", f.stream))) return 1;
  auto s = connect_jetstream(g);
  if (!s) return 1;
  if (client::Status st = s->js->delete_stream(f.stream); !st) {
    return print_js_error("could not remove Stream", st);
  }
  return 0;
}

int run_purge(const GlobalFlags& g, StreamFlags& f) {
  if (f.seq > 0 && f.keep > 0)
    return print_error("sequence and keep cannot be combined when purging");
  if (!confirmed(f.force, fmt::format("Really purge Stream {}", f.stream))) return 1;
  auto s = connect_jetstream(g);
  if (!s) return 1;
  client::PurgeOptions o;
  o.filter = f.subject;
  if (f.seq > 0) o.seq = uint64_t(f.seq);
  if (f.keep > 0) o.keep = uint64_t(f.keep);
  auto purged = s->js->purge_stream(f.stream, o);
  if (!purged) return print_js_error("could not purge Stream", purged.status());
  fmt::print("Purged {} messages from {}\n\n", *purged, f.stream);
  return show_info(*s->js, f.stream, false, true);
}

int run_get(const GlobalFlags& g, StreamFlags& f) {
  if (f.seq <= 0 && f.subject.empty()) {
    return print_error("give a message sequence or --last-for SUBJECT");
  }
  auto s = connect_jetstream(g);
  if (!s) return 1;
  auto m = f.seq > 0 ? s->js->get_msg(f.stream, uint64_t(f.seq))
                     : s->js->get_last_msg(f.stream, f.subject);
  if (!m) {
    return print_js_error(fmt::format("could not retrieve {}#{}", f.stream,
                                      f.seq > 0 ? std::to_string(f.seq) : f.subject),
                          m.status());
  }
  if (f.json) {
    json j;
    j["subject"] = m->subject;
    j["seq"] = m->seq;
    j["time"] = m->time;
    j["data"] = m->data;
    if (!m->headers.empty()) {
      json h = json::object();
      for (const auto& [k, v] : m->headers) h[std::string(k)].push_back(std::string(v));
      j["headers"] = h;
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("Item: {}#{} received {} ({}) on Subject {}\n\n", f.stream, m->seq,
             local_time(m->time), since(m->time), m->subject);
  if (!m->headers.empty()) {
    fmt::print("Headers:\n");
    for (const auto& [k, v] : m->headers) fmt::print("  {}: {}\n", k, v);
    fmt::print("\n");
  }
  fmt::print("{}\n", m->data);
  return 0;
}

int run_rmm(const GlobalFlags& g, StreamFlags& f) {
  if (f.seq <= 0) return print_error("positive message sequence required");
  if (!confirmed(f.force,
                 fmt::format("Really remove message {} from Stream {}", f.seq, f.stream))) {
    return 1;
  }
  auto s = connect_jetstream(g);
  if (!s) return 1;
  if (client::Status st = s->js->delete_msg(f.stream, uint64_t(f.seq)); !st) {
    return print_js_error(
        fmt::format("could not remove message {} from Stream {}", f.seq, f.stream), st);
  }
  return 0;
}

}  // namespace

void add_stream_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* stream = app.add_subcommand("stream", "JetStream Stream management");
  stream->alias("str");
  stream->require_subcommand(1);
  auto f = std::make_shared<StreamFlags>();
  auto run = [&g, f](int (*fn)(const GlobalFlags&, StreamFlags&)) {
    return [&g, f, fn] { g.exit_code = fn(g, *f); };
  };
  auto name_arg = [f](CLI::App* cmd) {
    cmd->add_option("stream", f->stream, "Stream name")->required();
  };

  CLI::App* add = stream->add_subcommand("add", "Create a new Stream");
  add->alias("create");
  name_arg(add);
  add_config_flags(add, f->add_cfg);
  add->add_flag("--defaults", f->defaults, "Accept default values for all settings not given");
  add->add_option("--config", f->config_file, "JSON file holding the Stream configuration");
  add->callback(run(run_add));

  CLI::App* ls = stream->add_subcommand("ls", "List all known Streams");
  ls->alias("list");
  ls->add_flag("-n,--names", f->names, "Show just the Stream names");
  ls->add_flag("-j,--json", f->json, "Produce JSON output");
  ls->add_option("--subject", f->subject, "Limit the list to streams with matching subjects");
  ls->callback(run(run_ls));

  CLI::App* info = stream->add_subcommand("info", "Stream information");
  name_arg(info);
  info->add_flag("-j,--json", f->json, "Produce JSON output");
  info->add_option("--subjects", f->filter, "Show the messages stored on subjects matching this");
  info->callback([&g, f] {
    auto s = connect_jetstream(g);
    g.exit_code = s ? show_info(*s->js, f->stream, f->json, false, f->filter) : 1;
  });

  CLI::App* state = stream->add_subcommand("state", "Stream state");
  name_arg(state);
  state->add_flag("-j,--json", f->json, "Produce JSON output");
  state->callback([&g, f] {
    auto s = connect_jetstream(g);
    g.exit_code = s ? show_info(*s->js, f->stream, f->json, true) : 1;
  });

  CLI::App* edit = stream->add_subcommand("edit", "Edits an existing Stream");
  edit->alias("update");
  name_arg(edit);
  add_config_flags(edit, f->edit_cfg);
  edit->add_flag("-f,--force", f->force, "Force edit without prompting");
  edit->callback(run(run_edit));

  CLI::App* rm = stream->add_subcommand("rm", "Removes a Stream");
  rm->alias("delete");
  name_arg(rm);
  rm->add_flag("-f,--force", f->force, "Force removal without prompting");
  rm->callback(run(run_rm));

  CLI::App* purge = stream->add_subcommand("purge", "Purge a Stream without deleting it");
  name_arg(purge);
  purge->add_flag("-f,--force", f->force, "Force purge without prompting");
  purge->add_option("--subject", f->subject, "Limits the purge to a specific subject");
  purge->add_option("--seq", f->seq, "Purge up to but not including a specific message sequence");
  purge->add_option("--keep", f->keep, "Keeps a certain number of messages after the purge");
  purge->callback(run(run_purge));

  CLI::App* get = stream->add_subcommand("get", "Retrieves a specific message from a Stream");
  name_arg(get);
  get->add_option("id", f->seq, "Message Sequence to retrieve");
  get->add_option("-S,--last-for", f->subject, "Retrieves the message for a specific subject");
  get->add_flag("-j,--json", f->json, "Produce JSON output");
  get->callback(run(run_get));

  CLI::App* rmm =
      stream->add_subcommand("rmm", "Securely removes an individual message from a Stream");
  name_arg(rmm);
  rmm->add_option("id", f->seq, "Message Sequence to remove")->required();
  rmm->add_flag("-f,--force", f->force, "Force removal without prompting");
  rmm->callback(run(run_rmm));
}

}  // namespace nats::cli
