// nats kv: natscli's key-value verbs over nats/kv.h. Output follows natscli: `put`, `create`
// and `update` echo the value, `get` prints "BUCKET > KEY revision: N created @ TIME" and the
// value, `history` and `ls` are tables, `info` (alias `status`) natscli's columns.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench_stats.h"
#include "commands.h"
#include "js_common.h"
#include "js_format.h"
#include "nats/kv.h"
#include "output.h"
#include "store_cli.h"

namespace nats::cli {

namespace {

using client::Errc;
using client::JetStream;
using client::KeyValue;
using client::KeyValueEntry;
using client::KvOp;
using nlohmann::json;

constexpr size_t kValuePreview = 120;   // bytes of a value `get` shows without --raw
constexpr size_t kHistoryPreview = 40;  // characters of a value in the history table

struct KvFlags {
  std::string bucket;
  std::string key;
  std::string value;
  uint64_t revision = 0;
  bool raw = false;
  bool force = false;
  bool json = false;
  bool names = false;
  bool verbose = false;
  // add
  std::string description;
  int history = 1;
  std::string ttl;
  std::string max_value_size;
  std::string max_bucket_size;
  std::string storage = "file";
  int replicas = 1;
  std::string republish_source;
  std::string republish_destination;
  bool republish_headers = false;
  // watch
  bool include_history = false;
  bool no_deletes = false;
  bool updates_only = false;
  int count = 0;
};

using Session = StoreSession<KeyValue>;

bool open_bucket(const GlobalFlags& g, const std::string& bucket, Session& s) {
  return open_bucket(g, bucket, s,
                     [](JetStream& js, const std::string& b) { return client::key_value(js, b); });
}

// natscli shows values that are not printable as base64.
std::string printable(std::string_view v) {
  for (unsigned char c : v) {
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
      static const char* kAlphabet =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string out;
      size_t i = 0;
      for (; i + 2 < v.size(); i += 3) {
        const uint32_t n = (uint8_t(v[i]) << 16) | (uint8_t(v[i + 1]) << 8) | uint8_t(v[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
      }
      if (i < v.size()) {
        uint32_t n = uint8_t(v[i]) << 16;
        if (i + 1 < v.size()) n |= uint8_t(v[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < v.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
      }
      return out;
    }
  }
  return std::string(v);
}

std::string value_arg(const KvFlags& f) {
  if (!f.value.empty() || stdin_is_terminal()) return f.value;
  return read_stdin();
}

int show_status(KeyValue& kv, bool as_json) {
  auto st = kv.status();
  if (!st) return print_error(st.status());
  const auto& cfg = st->info.config;
  if (as_json) {
    json j = json::parse(st->info.json, nullptr, false);
    json out{{"bucket", st->bucket},
             {"values", st->values},
             {"history", st->history},
             {"ttl", st->ttl.count()},
             {"bytes", st->bytes},
             {"backing_store", st->backing_store},
             {"stream_info", j.is_object() ? j : json::object()}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  Columns cols(fmt::format("Information for Key-Value Store Bucket {} created {}", st->bucket,
                           store_time(st->info.created)));
  cols.add_section_title("Configuration");
  cols.add_row("Bucket Name", st->bucket);
  cols.add_row("History Kept", std::to_string(st->history));
  cols.add_row("Values Stored", with_commas(st->values));
  cols.add_row("Backing Store Kind", st->backing_store);
  cols.add_row_if_not_empty("Description", cfg.description);
  cols.add_row("Bucket Size", ibytes(st->bytes));
  cols.add_row("Maximum Bucket Size",
               cfg.max_bytes < 0 ? "unlimited" : ibytes(uint64_t(cfg.max_bytes)));
  cols.add_row("Maximum Value Size",
               cfg.max_msg_size < 0 ? "unlimited" : ibytes(uint64_t(cfg.max_msg_size)));
  cols.add_row("Maximum Age", ttl_text(cfg.max_age));
  cols.add_row("JetStream Stream", cfg.name);
  cols.add_row("Storage", storage_name(cfg.storage));
  json j = json::parse(st->info.json, nullptr, false);
  if (j.is_object() && j.contains("config") && j["config"].contains("republish")) {
    const json& r = j["config"]["republish"];
    cols.add_row(r.value("headers_only", false) ? "Republishing Headers" : "Republishing",
                 fmt::format("{} to {}", r.value("src", ""), r.value("dest", "")));
  }
  fmt::print("{}", cols.render());
  return 0;
}

int run_add(const GlobalFlags& g, const KvFlags& f) {
  client::KeyValueConfig cfg;
  cfg.bucket = f.bucket;
  cfg.description = f.description;
  cfg.history = f.history;
  cfg.replicas = f.replicas;
  if (!f.ttl.empty()) {
    auto d = parse_duration(f.ttl);
    if (!d) return print_error("invalid --ttl: " + f.ttl);
    cfg.ttl = *d;
  }
  if (!f.max_value_size.empty()) {
    auto n = parse_byte_size(f.max_value_size);
    if (!n) return print_error("invalid --max-value-size: " + f.max_value_size);
    cfg.max_value_size = static_cast<int32_t>(*n);
  }
  if (!f.max_bucket_size.empty()) {
    auto n = parse_byte_size(f.max_bucket_size);
    if (!n) return print_error("invalid --max-bucket-size: " + f.max_bucket_size);
    cfg.max_bytes = *n;
  }
  auto storage = parse_storage(f.storage);
  if (!storage) return print_error("invalid --storage: " + f.storage);
  cfg.storage = *storage;
  if (!f.republish_destination.empty()) {
    cfg.republish =
        client::KvRePublish{f.republish_source, f.republish_destination, f.republish_headers};
  }
  Session s;
  if (!open_session(g, s)) return 1;
  auto kv = client::create_key_value(*s.js, cfg);
  if (!kv) return print_error(kv.status());
  return show_status(*kv, f.json);
}

int run_put(const GlobalFlags& g, const KvFlags& f, int mode) {  // 0 put, 1 create, 2 update
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  const std::string value = mode == 2 ? f.value : value_arg(f);
  client::Result<uint64_t> r = mode == 0   ? s.store->put(f.key, value)
                               : mode == 1 ? s.store->create(f.key, value)
                                           : s.store->update(f.key, value, f.revision);
  if (!r) return print_error(r.status());
  fmt::print("{}\n", value);
  return 0;
}

int run_get(const GlobalFlags& g, const KvFlags& f) {
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  auto e = f.revision > 0 ? s.store->get_revision(f.key, f.revision) : s.store->get(f.key);
  if (!e) return print_error(e.status());
  if (f.raw) {
    fwrite(e->value.data(), 1, e->value.size(), stdout);
    return 0;
  }
  fmt::print("{} > {} revision: {} created @ {}\n\n", e->bucket, e->key, e->revision,
             store_time(e->created));
  const std::string v = printable(e->value);
  if (v.size() > kValuePreview) {
    fmt::print("Showing first {} bytes of {}, use --raw for full data\n\n", kValuePreview,
               with_commas(v.size()));
    fmt::print("{}\n", v.substr(0, kValuePreview));
  } else {
    fmt::print("{}\n", v);
  }
  fmt::print("\n");
  return 0;
}

int run_del(const GlobalFlags& g, const KvFlags& f, bool purge) {
  if (f.key.empty()) {  // `kv del BUCKET`: the bucket
    if (!confirm(fmt::format("Delete bucket {}?", f.bucket), f.force)) {
      return print_error("deleting a bucket needs confirmation: use --force");
    }
    Session s;
    if (!open_session(g, s)) return 1;
    if (auto st = client::delete_key_value(*s.js, f.bucket); !st) return print_error(st);
    return 0;
  }
  const std::string q = purge ? fmt::format("Purge key {} > {}?", f.bucket, f.key)
                              : fmt::format("Delete key {} > {}?", f.bucket, f.key);
  if (!confirm(q, f.force)) return print_error("this needs confirmation: use --force");
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  const client::Status st = purge ? s.store->purge(f.key) : s.store->remove(f.key);
  if (!st) return print_error(st);
  return 0;
}

int run_keys(const GlobalFlags& g, const KvFlags& f) {
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  auto keys = s.store->keys();
  if (!keys) return print_error(keys.status());
  if (f.json) {
    fmt::print("{}\n", json(*keys).dump(2));
    return 0;
  }
  if (keys->empty()) {
    fmt::print("No keys found in bucket\n");
    return 0;
  }
  if (!f.verbose) {
    for (const auto& k : *keys) fmt::print("{}\n", k);
    return 0;
  }
  Table t(fmt::format("Contents for bucket '{}'", f.bucket));
  t.add_headers({"Key", "Created", "Delta", "Revision"});
  for (const auto& k : *keys) {
    auto e = s.store->get(k);
    if (!e) continue;  // deleted meanwhile
    t.add_row({k, store_time(e->created), std::to_string(e->delta), std::to_string(e->revision)});
  }
  fmt::print("{}", t.render());
  return 0;
}

int run_ls(const GlobalFlags& g, const KvFlags& f) {
  if (!f.bucket.empty()) return run_keys(g, f);
  Session s;
  if (!open_session(g, s)) return 1;
  if (f.names) {
    auto names = client::key_value_bucket_names(*s.js);
    if (!names) return print_error(names.status());
    for (const auto& n : *names) fmt::print("{}\n", n);
    return 0;
  }
  auto buckets = client::key_value_buckets(*s.js);
  if (!buckets) return print_error(buckets.status());
  if (f.json) {
    json out = json::array();
    for (const auto& b : *buckets) out.push_back(json::parse(b.info.json, nullptr, false));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (buckets->empty()) {
    fmt::print("No Key-Value buckets found\n");
    return 0;
  }
  Table t("Key-Value Buckets");
  t.add_headers({"Bucket", "Description", "Created", "Size", "Values", "Last Update"});
  for (const auto& b : *buckets) {
    t.add_row({b.bucket, b.info.config.description, store_time(b.info.created), ibytes(b.bytes),
               with_commas(b.values), store_time(b.info.state.last_ts)});
  }
  fmt::print("{}", t.render());
  return 0;
}

int run_history(const GlobalFlags& g, const KvFlags& f) {
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  auto h = s.store->history(f.key);
  if (!h) return print_error(h.status());
  if (f.json) {
    json out = json::array();
    for (const auto& e : *h) {
      out.push_back({{"key", e.key},
                     {"revision", e.revision},
                     {"operation", client::kv_op_name(e.op)},
                     {"created", store_time(e.created)},
                     {"value", e.value}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  Table t(fmt::format("History for {} > {}", f.bucket, f.key));
  t.add_headers({"Key", "Revision", "Op", "Created", "Length", "Value"});
  for (const auto& e : *h) {
    std::string v = printable(e.value);
    if (v.size() > kHistoryPreview) v = v.substr(0, 15) + "..." + v.substr(v.size() - 15);
    t.add_row({e.key, std::to_string(e.revision), std::string(client::kv_op_name(e.op)),
               store_time(e.created), with_commas(e.value.size()), v});
  }
  fmt::print("{}", t.render());
  return 0;
}

int run_watch(const GlobalFlags& g, const KvFlags& f) {
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  client::WatchOptions o;
  o.include_history = f.include_history;
  o.ignore_deletes = f.no_deletes;
  o.updates_only = f.updates_only;
  auto w = s.store->watch(f.key.empty() ? ">" : f.key, o);
  if (!w) return print_error(w.status());
  install_interrupt_handler();
  int seen = 0;
  while (!interrupted() && (f.count == 0 || seen < f.count)) {
    auto e = (*w)->next(std::chrono::milliseconds(250));
    if (!e) {
      if (e.code() == Errc::kTimeout) continue;
      return print_error(e.status());
    }
    if (!e->has_value()) continue;  // the end of the initial values
    const KeyValueEntry& x = **e;
    if (x.op == KvOp::kPut) {
      fmt::print("[{}] {} {} > {}: {}\n", store_time(x.created), client::kv_op_name(x.op), x.bucket,
                 x.key, x.value);
    } else {
      fmt::print("[{}] {} {} > {}\n", store_time(x.created), client::kv_op_name(x.op), x.bucket,
                 x.key);
    }
    std::fflush(stdout);
    ++seen;
  }
  return 0;
}

int run_info(const GlobalFlags& g, const KvFlags& f) {
  Session s;
  if (!open_bucket(g, f.bucket, s)) return 1;
  return show_status(*s.store, f.json);
}

}  // namespace

void add_kv_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* kv = app.add_subcommand("kv", "Interacts with a JetStream based Key-Value store");
  kv->require_subcommand(1);
  kv->footer(
      "A bucket is the JetStream stream KV_<bucket> on $KV.<bucket>.>; each key keeps\n"
      "--history revisions. Deletes and purges leave markers that watchers see.");
  auto f = std::make_shared<KvFlags>();
  auto bucket = [f](CLI::App* c, bool required = true) {
    auto* o = c->add_option("bucket", f->bucket, "The bucket to act on");
    if (required) o->required();
  };
  auto key = [f](CLI::App* c, bool required = true) {
    auto* o = c->add_option("key", f->key, "The key to act on");
    if (required) o->required();
  };

  CLI::App* add = kv->add_subcommand("add", "Adds a new KV Store Bucket");
  add->alias("new");
  bucket(add);
  add->add_option("--description", f->description, "A description for the bucket");
  add->add_option("--history", f->history, "How many historic values to keep per key")
      ->check(CLI::Range(1, client::kKvMaxHistory));
  add->add_option("--ttl", f->ttl, "How long to keep values for (Go duration, 0: forever)");
  add->add_option("--replicas", f->replicas, "How many replicas of the data to store");
  add->add_option("--max-value-size", f->max_value_size,
                  "Maximum size for any single value (bytes, or 1KB, 1MiB, ...)");
  add->add_option("--max-bucket-size", f->max_bucket_size, "Maximum size for the bucket");
  add->add_option("--storage", f->storage, "Storage backend to use (file, memory)");
  add->add_option("--republish-source", f->republish_source,
                  "Republish messages to --republish-destination");
  add->add_option("--republish-destination", f->republish_destination,
                  "Republish destination for messages in --republish-source");
  add->add_flag("--republish-headers", f->republish_headers,
                "Republish only message headers, no bodies");
  add->add_flag("--json", f->json, "Show the status as JSON");
  add->callback([&g, f] { g.exit_code = run_add(g, *f); });

  CLI::App* put = kv->add_subcommand("put", "Puts a value into a key");
  bucket(put);
  key(put);
  put->add_option("value", f->value, "The value to store, when empty reads STDIN");
  put->callback([&g, f] { g.exit_code = run_put(g, *f, 0); });

  CLI::App* get = kv->add_subcommand("get", "Gets a value for a key");
  bucket(get);
  key(get);
  get->add_option("--revision", f->revision, "Gets a specific revision");
  get->add_flag("--raw", f->raw, "Show only the value string");
  get->callback([&g, f] { g.exit_code = run_get(g, *f); });

  CLI::App* create = kv->add_subcommand(
      "create",
      "Puts a value into a key only if the key is new or it's last operation was a delete");
  bucket(create);
  key(create);
  create->add_option("value", f->value, "The value to store, when empty reads STDIN");
  create->callback([&g, f] { g.exit_code = run_put(g, *f, 1); });

  CLI::App* update = kv->add_subcommand(
      "update", "Updates a key with a new value if the previous value matches the given revision");
  bucket(update);
  key(update);
  update->add_option("value", f->value, "The value to store")->required();
  update->add_option("revision", f->revision, "The revision of the previous value in the bucket")
      ->required();
  update->callback([&g, f] { g.exit_code = run_put(g, *f, 2); });

  CLI::App* del = kv->add_subcommand("del", "Deletes a key or the entire bucket");
  del->alias("rm");
  bucket(del);
  key(del, false);
  del->add_flag("-f,--force", f->force, "Act without confirmation");
  del->callback([&g, f] { g.exit_code = run_del(g, *f, false); });

  CLI::App* purge = kv->add_subcommand(
      "purge", "Deletes a key from the bucket, clearing history before creating a delete marker");
  bucket(purge);
  key(purge);
  purge->add_flag("-f,--force", f->force, "Act without confirmation");
  purge->callback([&g, f] { g.exit_code = run_del(g, *f, true); });

  CLI::App* history = kv->add_subcommand("history", "Shows the full history for a key");
  bucket(history);
  key(history);
  history->add_flag("--json", f->json, "Produce JSON output");
  history->callback([&g, f] { g.exit_code = run_history(g, *f); });

  CLI::App* info = kv->add_subcommand("info", "View the status of a KV store");
  info->alias("status");
  info->alias("view");
  bucket(info);
  info->add_flag("-j,--json", f->json, "Produce JSON output");
  info->callback([&g, f] { g.exit_code = run_info(g, *f); });

  CLI::App* watch = kv->add_subcommand("watch", "Watch the bucket or a specific key for updates");
  bucket(watch);
  watch->add_option("key", f->key, "The key to act on (wildcards allowed; default: every key)");
  watch->add_flag("--history", f->include_history, "Includes historic values");
  watch->add_flag("--no-deletes", f->no_deletes, "Leaves deletes and purges out");
  watch->add_flag("--updates", f->updates_only, "Only show new values written");
  watch->add_option("--count", f->count, "Stop after this many entries (0: until Ctrl-C)");
  watch->callback([&g, f] { g.exit_code = run_watch(g, *f); });

  CLI::App* ls = kv->add_subcommand("ls", "List available buckets or the keys in a bucket");
  ls->alias("list");
  bucket(ls, false);
  ls->add_flag("-n,--names", f->names, "Show just the bucket names");
  ls->add_flag("-v,--verbose", f->verbose, "Show detailed info about the keys");
  ls->add_flag("-j,--json", f->json, "Produce JSON output");
  ls->callback([&g, f] { g.exit_code = run_ls(g, *f); });

  CLI::App* keys = kv->add_subcommand("keys", "List the keys in a bucket");
  bucket(keys);
  keys->add_flag("-j,--json", f->json, "Produce JSON output");
  keys->callback([&g, f] { g.exit_code = run_keys(g, *f); });
}

}  // namespace nats::cli
