// nats object (alias obj): natscli's object store verbs over nats/object_store.h. `put` reads a
// file or stdin (then --name is needed) and shows the object's info; `get` writes to the
// object's name or -O (`-O -`: stdout); `info` shows a bucket's status or an object's info.

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "bench_stats.h"
#include "commands.h"
#include "js_common.h"
#include "js_format.h"
#include "nats/kv.h"
#include "nats/object_store.h"
#include "output.h"
#include "store_cli.h"

namespace nats::cli {

namespace {

using client::JetStream;
using client::ObjectInfo;
using client::ObjectStore;
using nlohmann::json;

struct ObjFlags {
  std::string bucket;
  std::string file;
  std::string name;
  std::string output;
  std::string description;
  std::vector<std::string> headers;
  uint32_t chunk_size = 0;
  bool force = false;
  bool json = false;
  bool names = false;
  // add
  std::string ttl;
  std::string max_bucket_size;
  std::string storage = "file";
  int replicas = 1;
};

using Session = StoreSession<ObjectStore>;

bool open_store(const GlobalFlags& g, const std::string& bucket, Session& s) {
  return open_bucket(g, bucket, s, [](JetStream& js, const std::string& b) {
    return client::object_store(js, b);
  });
}

// "SHA-256 <hex>", as natscli shows a digest.
std::string digest_text(const std::string& digest) {
  const size_t eq = digest.find('=');
  if (eq == std::string::npos) return digest;
  std::string b64 = digest.substr(eq + 1);
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) break;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  std::string hex;
  for (unsigned char c : bytes) hex += fmt::format("{:02x}", c);
  return digest.substr(0, eq) + " " + hex;
}

json info_json(const ObjectInfo& i) {
  json h = json::object();
  for (const auto& [k, v] : i.headers) h[k].push_back(v);
  json j{{"name", i.name},
         {"bucket", i.bucket},
         {"nuid", i.nuid},
         {"size", i.size},
         {"chunks", i.chunks},
         {"digest", i.digest},
         {"mtime", store_time(i.mtime)},
         {"options", {{"max_chunk_size", i.max_chunk_size}}}};
  if (!i.description.empty()) j["description"] = i.description;
  if (!h.empty()) j["headers"] = h;
  if (i.deleted) j["deleted"] = true;
  return j;
}

void show_object(const ObjectInfo& i) {
  Columns cols(fmt::format("Object information for {} > {}", i.bucket, i.name));
  cols.add_row_if_not_empty("Description", i.description);
  cols.add_row("Size", ibytes(i.size));
  cols.add_row("Modification Time", store_time(i.mtime));
  cols.add_row("Chunks", with_commas(i.chunks));
  cols.add_row("Digest", digest_text(i.digest));
  if (i.deleted) cols.add_row("Deleted", "true");
  if (!i.headers.empty()) {
    cols.add_section_title("Headers");
    for (const auto& [k, v] : i.headers) cols.add_row(k, v);
  }
  fmt::print("{}", cols.render());
}

int show_status(ObjectStore& obs, bool as_json) {
  auto st = obs.status();
  if (!st) return print_error(st.status());
  if (as_json) {
    json j = json::parse(st->info.json, nullptr, false);
    fmt::print("{}\n", json{{"bucket", st->bucket},
                            {"size", st->size},
                            {"backing_store", st->backing_store},
                            {"stream_info", j.is_object() ? j : json::object()}}
                           .dump(2));
    return 0;
  }
  const auto& cfg = st->info.config;
  Columns cols(fmt::format("Information for Object Store Bucket {} created {}", st->bucket,
                           store_time(st->info.created)));
  cols.add_section_title("Configuration");
  cols.add_row("Bucket Name", st->bucket);
  cols.add_row_if_not_empty("Description", st->description);
  cols.add_row("Replicas", std::to_string(st->replicas));
  cols.add_row("TTL", ttl_text(st->ttl));
  cols.add_row("Sealed", st->sealed ? "true" : "false");
  cols.add_row("Size", ibytes(st->size));
  cols.add_row("Maximum Bucket Size",
               cfg.max_bytes < 0 ? "unlimited" : ibytes(uint64_t(cfg.max_bytes)));
  cols.add_row("Storage", storage_name(st->storage));
  cols.add_row("Backing Store Kind", st->backing_store);
  cols.add_row("JetStream Stream", cfg.name);
  fmt::print("{}", cols.render());
  return 0;
}

int run_add(const GlobalFlags& g, const ObjFlags& f) {
  client::ObjectStoreConfig cfg;
  cfg.bucket = f.bucket;
  cfg.description = f.description;
  cfg.replicas = f.replicas;
  if (!f.ttl.empty()) {
    auto d = parse_duration(f.ttl);
    if (!d) return print_error("invalid --ttl: " + f.ttl);
    cfg.ttl = *d;
  }
  if (!f.max_bucket_size.empty()) {
    auto n = parse_byte_size(f.max_bucket_size);
    if (!n) return print_error("invalid --max-bucket-size: " + f.max_bucket_size);
    cfg.max_bytes = *n;
  }
  auto storage = parse_storage(f.storage);
  if (!storage) return print_error("invalid --storage: " + f.storage);
  cfg.storage = *storage;
  Session s;
  if (!open_session(g, s)) return 1;
  auto obs = client::create_object_store(*s.js, cfg);
  if (!obs) return print_error(obs.status());
  return show_status(*obs, f.json);
}

int run_put(const GlobalFlags& g, const ObjFlags& f) {
  std::string name = f.name;
  if (name.empty()) {
    if (f.file.empty()) return print_error("--name is required when reading from stdin");
    const size_t slash = f.file.rfind('/');
    name = slash == std::string::npos ? f.file : f.file.substr(slash + 1);
  }
  client::ObjectMeta meta;
  meta.name = name;
  meta.description = f.description;
  meta.chunk_size = f.chunk_size;
  std::string error;
  if (!parse_header_flags(f.headers, meta.headers, &error)) return print_error(error);
  std::ifstream file;
  if (!f.file.empty()) {
    file.open(f.file, std::ios::binary);
    if (!file) return print_error("cannot open " + f.file);
  }
  Session s;
  if (!open_store(g, f.bucket, s)) return 1;
  if (auto existing = s.store->info(name); existing) {
    if (!confirm(fmt::format("Replace existing file {} > {}", f.bucket, name), f.force)) {
      return print_error("the object exists: use --force to replace it");
    }
  }
  auto info = f.file.empty() ? s.store->put(meta, std::cin) : s.store->put(meta, file);
  if (!info) return print_error(info.status());
  if (f.json) {
    fmt::print("{}\n", info_json(*info).dump(2));
  } else {
    show_object(*info);
  }
  return 0;
}

int run_get(const GlobalFlags& g, const ObjFlags& f) {
  Session s;
  if (!open_store(g, f.bucket, s)) return 1;
  const auto start = std::chrono::steady_clock::now();
  if (f.output == "-") {
    auto info = s.store->get(f.file, std::cout);
    if (!info) return print_error(info.status());
    std::cout.flush();
    return 0;
  }
  std::string out_name = f.output;
  if (out_name.empty()) {
    const size_t slash = f.file.rfind('/');
    out_name = slash == std::string::npos ? f.file : f.file.substr(slash + 1);
  }
  if (std::ifstream(out_name).good() &&
      !confirm(fmt::format("Replace existing target file {}", out_name), f.force)) {
    return print_error(out_name + " exists: use --force to overwrite it");
  }
  // Written beside the target first, so a failed read leaves no half file under its name.
  const std::string tmp = out_name + ".partial";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return print_error("cannot write " + tmp);
  auto info = s.store->get(f.file, out);
  out.close();
  if (!info || !out) {
    std::remove(tmp.c_str());
    return info ? print_error("writing " + out_name + " failed") : print_error(info.status());
  }
  if (std::rename(tmp.c_str(), out_name.c_str()) != 0) {
    return print_error("cannot rename " + tmp + " to " + out_name);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  fmt::print("Wrote: {} to {} in {}\n", ibytes(info->size), out_name,
             short_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
  return 0;
}

int run_ls(const GlobalFlags& g, const ObjFlags& f) {
  Session s;
  if (f.bucket.empty()) {
    if (!open_session(g, s)) return 1;
    auto names = client::object_store_names(*s.js);
    if (!names) return print_error(names.status());
    if (f.names || f.json) {
      if (f.json) {
        fmt::print("{}\n", json(*names).dump(2));
      } else {
        for (const auto& n : *names) fmt::print("{}\n", n);
      }
      return 0;
    }
    if (names->empty()) {
      fmt::print("No Object Store buckets found\n");
      return 0;
    }
    Table t("Object Store Buckets");
    t.add_headers({"Bucket", "Description", "Created", "Size", "Last Update"});
    for (const auto& n : *names) {
      auto obs = client::object_store(*s.js, n);
      if (!obs) continue;
      auto st = obs->status();
      if (!st) continue;
      t.add_row({n, st->description, store_time(st->info.created), ibytes(st->size),
                 store_time(st->info.state.last_ts)});
    }
    fmt::print("{}", t.render());
    return 0;
  }
  if (!open_store(g, f.bucket, s)) return 1;
  auto list = s.store->list();
  if (!list) return print_error(list.status());
  if (f.json) {
    json out = json::array();
    for (const auto& i : *list) out.push_back(info_json(i));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (f.names) {
    for (const auto& i : *list) fmt::print("{}\n", i.name);
    return 0;
  }
  if (list->empty()) {
    fmt::print("No entries found\n");
    return 0;
  }
  Table t("Bucket Contents");
  t.add_headers({"Name", "Size", "Time"});
  for (const auto& i : *list) t.add_row({i.name, ibytes(i.size), store_time(i.mtime)});
  fmt::print("{}", t.render());
  return 0;
}

int run_info(const GlobalFlags& g, const ObjFlags& f) {
  Session s;
  if (!open_store(g, f.bucket, s)) return 1;
  if (f.file.empty()) return show_status(*s.store, f.json);
  auto info = s.store->info(f.file);
  if (!info) return print_error(info.status());
  if (f.json) {
    fmt::print("{}\n", info_json(*info).dump(2));
  } else {
    show_object(*info);
  }
  return 0;
}

int run_del(const GlobalFlags& g, const ObjFlags& f) {
  Session s;
  if (f.file.empty()) {
    if (!confirm(fmt::format("Delete bucket {}?", f.bucket), f.force)) {
      return print_error("deleting a bucket needs confirmation: use --force");
    }
    if (!open_session(g, s)) return 1;
    if (auto st = client::delete_object_store(*s.js, f.bucket); !st) return print_error(st);
    return 0;
  }
  if (!confirm(fmt::format("Delete {} > {}?", f.bucket, f.file), f.force)) {
    return print_error("this needs confirmation: use --force");
  }
  if (!open_store(g, f.bucket, s)) return 1;
  if (auto st = s.store->remove(f.file); !st) return print_error(st);
  fmt::print("Removed {} > {}\n", f.bucket, f.file);
  return 0;
}

}  // namespace

void add_object_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* obj = app.add_subcommand("object", "Interacts with a JetStream based Object store");
  obj->alias("obj");
  obj->require_subcommand(1);
  obj->footer(
      "A bucket is the JetStream stream OBJ_<bucket>: chunks on $O.<bucket>.C.<nuid>, one meta\n"
      "message per object on $O.<bucket>.M.<base64url name> with its size and SHA-256 digest.");
  auto f = std::make_shared<ObjFlags>();
  auto bucket = [f](CLI::App* c, bool required = true) {
    auto* o = c->add_option("bucket", f->bucket, "The bucket to act on");
    if (required) o->required();
  };

  CLI::App* add = obj->add_subcommand("add", "Adds a new Object Store Bucket");
  bucket(add);
  add->add_option("--ttl", f->ttl, "How long to keep objects for (Go duration, 0: forever)");
  add->add_option("--replicas", f->replicas, "How many replicas of the data to store");
  add->add_option("--max-bucket-size", f->max_bucket_size,
                  "Maximum size for the bucket (bytes, or 1KB, 1MiB, ...)");
  add->add_option("--description", f->description, "A description for the bucket");
  add->add_option("--storage", f->storage, "Storage backend to use (file, memory)");
  add->add_flag("--json", f->json, "Show the status as JSON");
  add->callback([&g, f] { g.exit_code = run_add(g, *f); });

  CLI::App* put = obj->add_subcommand("put", "Puts a file into the store");
  bucket(put);
  put->add_option("file", f->file, "The file to put (default: read STDIN, with --name)");
  put->add_option("--name", f->name, "Override the name supplied to the object store");
  put->add_option("--description", f->description, "Sets an optional description for the object");
  put->add_option("-H,--header", f->headers, "Adds headers to the object using K:V format");
  put->add_option("--chunk-size", f->chunk_size, "Sets the chunk size in bytes (default 128KiB)");
  put->add_flag("-f,--force", f->force, "Act without confirmation");
  put->add_flag("--json", f->json, "Show the object's info as JSON");
  put->callback([&g, f] { g.exit_code = run_put(g, *f); });

  CLI::App* get = obj->add_subcommand("get", "Retrieves a file from the store");
  bucket(get);
  get->add_option("file", f->file, "The file to retrieve")->required();
  get->add_option("-O,--output", f->output, "Override the output file name ('-': standard output)");
  get->add_flag("-f,--force", f->force, "Act without confirmation");
  get->callback([&g, f] { g.exit_code = run_get(g, *f); });

  CLI::App* del = obj->add_subcommand("del", "Deletes a file or bucket from the store");
  del->alias("rm");
  bucket(del);
  del->add_option("file", f->file, "The file to delete (none: the bucket)");
  del->add_flag("-f,--force", f->force, "Act without confirmation");
  del->callback([&g, f] { g.exit_code = run_del(g, *f); });

  CLI::App* info = obj->add_subcommand("info", "Get information about a bucket or object");
  info->alias("status");
  info->alias("show");
  bucket(info);
  info->add_option("file", f->file, "The object to show (none: the bucket's status)");
  info->add_flag("-j,--json", f->json, "Produce JSON output");
  info->callback([&g, f] { g.exit_code = run_info(g, *f); });

  CLI::App* ls = obj->add_subcommand("ls", "List buckets or contents of a specific bucket");
  ls->alias("list");
  bucket(ls, false);
  ls->add_flag("-n,--names", f->names, "Show just the names");
  ls->add_flag("-j,--json", f->json, "Produce JSON output");
  ls->callback([&g, f] { g.exit_code = run_ls(g, *f); });
}

}  // namespace nats::cli
