// JetStream: the context, the API request helper, and stream / consumer / account management.
// Every call here is one request/reply on the caller's thread (Connection::request), so it
// may run on any thread, a message handler included.

#include "nats/jetstream.h"

#include "js_internal.h"
#include "nats/connection.h"

namespace nats::client {

namespace detail {

Result<Json> api_call(const JsContext& ctx, std::string_view suffix, std::string_view body) {
  auto reply = ctx.nc->request(ctx.prefix + std::string(suffix), body, ctx.timeout);
  if (!reply) {
    if (reply.code() == Errc::kNoResponders) {
      return Status(Errc::kJetStreamNotEnabled, "nats: jetstream not enabled");
    }
    return reply.status();
  }
  Json j = parse_json(reply->data());
  if (j.is_discarded() || !j.is_object()) {
    return Status(Errc::kProtocol, "nats: jetstream api response is not a JSON object");
  }
  if (Status s = api_error_of(j); !s) return s;
  return j;
}

}  // namespace detail

namespace {

using detail::Json;

// Stream and consumer names become subject tokens: no dots, wildcards or white space.
bool valid_name(std::string_view n) {
  return !n.empty() && n.find_first_of(".*> \t\r\n") == std::string_view::npos;
}

Status bad_stream_name() { return Status(Errc::kInvalidArgument, "nats: invalid stream name"); }
Status bad_consumer_name() { return Status(Errc::kInvalidArgument, "nats: invalid consumer name"); }

Status success_or_error(const Result<Json>& r) {
  if (!r) return r.status();
  if (!r->value("success", false)) return Status(Errc::kApiError, "nats: request not successful");
  return Status();
}

std::string join(std::string_view a, std::string_view b) {
  std::string s(a);
  s += '.';
  s += b;
  return s;
}

}  // namespace

JetStream::JetStream(Connection& nc, JetStreamOptions opts)
    : max_pending_(opts.publish_async_max_pending),
      async_(detail::make_async_pub_state(&nc, opts.publish_async_max_pending)) {
  ctx_.nc = &nc;
  ctx_.timeout = opts.timeout;
  if (!opts.api_prefix.empty()) {
    ctx_.prefix = opts.api_prefix;
    if (ctx_.prefix.back() != '.') ctx_.prefix += '.';
  } else if (!opts.domain.empty()) {
    ctx_.prefix = "$JS." + opts.domain + ".API.";
  } else {
    ctx_.prefix = "$JS.API.";
  }
}

Result<std::string> JetStream::api_request(std::string_view subject_suffix, std::string_view json) {
  auto r = detail::api_call(ctx_, subject_suffix, json);
  if (!r) return r.status();
  return r->dump();
}

Result<AccountInfo> JetStream::account_info() {
  auto r = detail::api_call(ctx_, "INFO", "");
  if (!r) return r.status();
  return detail::account_info_from(*r);
}

// ---------------------------------------------------------------- streams

Result<StreamInfo> JetStream::add_stream(const StreamConfig& cfg) {
  if (!valid_name(cfg.name)) return bad_stream_name();
  auto r = detail::api_call(ctx_, join("STREAM.CREATE", cfg.name), detail::to_json(cfg).dump());
  if (!r) return r.status();
  return detail::stream_info_from(*r);
}

Result<StreamInfo> JetStream::update_stream(const StreamConfig& cfg) {
  if (!valid_name(cfg.name)) return bad_stream_name();
  auto r = detail::api_call(ctx_, join("STREAM.UPDATE", cfg.name), detail::to_json(cfg).dump());
  if (!r) return r.status();
  return detail::stream_info_from(*r);
}

Result<StreamInfo> JetStream::stream_info(std::string_view stream, const StreamInfoOptions& opts) {
  if (!valid_name(stream)) return bad_stream_name();
  Json req = Json::object();
  if (!opts.subjects_filter.empty()) req["subjects_filter"] = opts.subjects_filter;
  if (opts.deleted_details) req["deleted_details"] = true;
  auto r = detail::api_call(ctx_, join("STREAM.INFO", stream), req.empty() ? "" : req.dump());
  if (!r) return r.status();
  return detail::stream_info_from(*r);
}

Status JetStream::delete_stream(std::string_view stream) {
  if (!valid_name(stream)) return bad_stream_name();
  return success_or_error(detail::api_call(ctx_, join("STREAM.DELETE", stream), ""));
}

Result<uint64_t> JetStream::purge_stream(std::string_view stream, const PurgeOptions& opts) {
  if (!valid_name(stream)) return bad_stream_name();
  if (opts.seq && opts.keep) {
    return Status(Errc::kInvalidArgument, "nats: purge takes seq or keep, not both");
  }
  Json req = Json::object();
  if (!opts.filter.empty()) req["filter"] = opts.filter;
  if (opts.seq) req["seq"] = *opts.seq;
  if (opts.keep) req["keep"] = *opts.keep;
  auto r = detail::api_call(ctx_, join("STREAM.PURGE", stream), req.empty() ? "" : req.dump());
  if (Status s = success_or_error(r); !s) return s;
  return r->value("purged", uint64_t{0});
}

Result<StreamPage> JetStream::list_streams(int64_t offset, std::string_view subject) {
  Json req{{"offset", offset}};
  if (!subject.empty()) req["subject"] = subject;
  auto r = detail::api_call(ctx_, "STREAM.LIST", req.dump());
  if (!r) return r.status();
  StreamPage page;
  page.page = detail::page_from(*r);
  if (auto it = r->find("streams"); it != r->end() && it->is_array()) {
    for (const auto& s : *it) page.streams.push_back(detail::stream_info_from(s));
  }
  return page;
}

Result<NamesPage> JetStream::stream_names(int64_t offset, std::string_view subject) {
  Json req{{"offset", offset}};
  if (!subject.empty()) req["subject"] = subject;
  auto r = detail::api_call(ctx_, "STREAM.NAMES", req.dump());
  if (!r) return r.status();
  NamesPage page;
  page.page = detail::page_from(*r);
  // An account without streams answers "streams": null.
  if (auto it = r->find("streams"); it != r->end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) page.names.push_back(s.get<std::string>());
    }
  }
  return page;
}

Result<std::vector<std::string>> JetStream::all_stream_names(std::string_view subject) {
  std::vector<std::string> all;
  while (true) {
    auto page = stream_names(static_cast<int64_t>(all.size()), subject);
    if (!page) return page.status();
    all.insert(all.end(), page->names.begin(), page->names.end());
    if (page->names.empty() || static_cast<int64_t>(all.size()) >= page->page.total) break;
  }
  return all;
}

// ---------------------------------------------------------------- stored messages

Result<StoredMsg> JetStream::get_msg(std::string_view stream, uint64_t seq) {
  if (!valid_name(stream)) return bad_stream_name();
  Json req{{"seq", seq}};
  auto r = detail::api_call(ctx_, join("STREAM.MSG.GET", stream), req.dump());
  if (!r) return r.status();
  return detail::stored_msg_from(*r);
}

Result<StoredMsg> JetStream::get_last_msg(std::string_view stream, std::string_view subject) {
  if (!valid_name(stream)) return bad_stream_name();
  Json req{{"last_by_subj", subject}};
  auto r = detail::api_call(ctx_, join("STREAM.MSG.GET", stream), req.dump());
  if (!r) return r.status();
  return detail::stored_msg_from(*r);
}

namespace {

Result<StoredMsg> direct_get(const detail::JsContext& ctx, std::string_view stream,
                             const Json& req) {
  if (!valid_name(stream)) return bad_stream_name();
  auto reply = ctx.nc->request(ctx.prefix + join("DIRECT.GET", stream), req.dump(), ctx.timeout);
  if (!reply) {
    // Without allow_direct nobody listens on DIRECT.GET, as without JetStream.
    if (reply.code() == Errc::kNoResponders) {
      return Status(Errc::kNoResponders, "nats: no responders for direct get (allow_direct?)");
    }
    return reply.status();
  }
  return detail::stored_msg_from_direct(*reply);
}

}  // namespace

Result<StoredMsg> JetStream::direct_get_msg(std::string_view stream, uint64_t seq) {
  return direct_get(ctx_, stream, Json{{"seq", seq}});
}

Result<StoredMsg> JetStream::direct_get_last_msg(std::string_view stream,
                                                 std::string_view subject) {
  return direct_get(ctx_, stream, Json{{"last_by_subj", subject}});
}

Status JetStream::delete_msg(std::string_view stream, uint64_t seq, bool erase) {
  if (!valid_name(stream)) return bad_stream_name();
  Json req{{"seq", seq}};
  if (!erase) req["no_erase"] = true;
  return success_or_error(detail::api_call(ctx_, join("STREAM.MSG.DELETE", stream), req.dump()));
}

// ---------------------------------------------------------------- consumers

namespace detail {

Result<ConsumerInfo> create_consumer(const JsContext& ctx, std::string_view stream,
                                     const ConsumerConfig& cfg) {
  if (!valid_name(stream)) return bad_stream_name();
  if (!cfg.durable_name.empty() && !valid_name(cfg.durable_name)) return bad_consumer_name();
  if (!cfg.name.empty() && !valid_name(cfg.name)) return bad_consumer_name();
  if (!cfg.durable_name.empty() && !cfg.name.empty() && cfg.name != cfg.durable_name) {
    return Status(Errc::kInvalidArgument, "nats: consumer name and durable name differ");
  }
  std::string subject;
  if (!cfg.durable_name.empty()) {
    subject = join(join("CONSUMER.DURABLE.CREATE", stream), cfg.durable_name);
  } else if (!cfg.name.empty()) {
    subject = join(join("CONSUMER.CREATE", stream), cfg.name);
  } else {
    subject = join("CONSUMER.CREATE", stream);
  }
  Json req{{"stream_name", stream}, {"config", to_json(cfg)}};
  auto r = api_call(ctx, subject, req.dump());
  if (!r) return r.status();
  return consumer_info_from(*r);
}

Status delete_consumer(const JsContext& ctx, std::string_view stream, std::string_view consumer) {
  if (!valid_name(stream)) return bad_stream_name();
  if (!valid_name(consumer)) return bad_consumer_name();
  return success_or_error(api_call(ctx, join(join("CONSUMER.DELETE", stream), consumer), ""));
}

}  // namespace detail

Result<ConsumerInfo> JetStream::add_consumer(std::string_view stream, const ConsumerConfig& cfg) {
  return detail::create_consumer(ctx_, stream, cfg);
}

Result<ConsumerInfo> JetStream::consumer_info(std::string_view stream, std::string_view consumer) {
  if (!valid_name(stream)) return bad_stream_name();
  if (!valid_name(consumer)) return bad_consumer_name();
  auto r = detail::api_call(ctx_, join(join("CONSUMER.INFO", stream), consumer), "");
  if (!r) return r.status();
  return detail::consumer_info_from(*r);
}

Status JetStream::delete_consumer(std::string_view stream, std::string_view consumer) {
  return detail::delete_consumer(ctx_, stream, consumer);
}

Result<ConsumerPage> JetStream::list_consumers(std::string_view stream, int64_t offset) {
  if (!valid_name(stream)) return bad_stream_name();
  auto r = detail::api_call(ctx_, join("CONSUMER.LIST", stream), Json{{"offset", offset}}.dump());
  if (!r) return r.status();
  ConsumerPage page;
  page.page = detail::page_from(*r);
  if (auto it = r->find("consumers"); it != r->end() && it->is_array()) {
    for (const auto& c : *it) page.consumers.push_back(detail::consumer_info_from(c));
  }
  return page;
}

Result<NamesPage> JetStream::consumer_names(std::string_view stream, int64_t offset) {
  if (!valid_name(stream)) return bad_stream_name();
  auto r = detail::api_call(ctx_, join("CONSUMER.NAMES", stream), Json{{"offset", offset}}.dump());
  if (!r) return r.status();
  NamesPage page;
  page.page = detail::page_from(*r);
  if (auto it = r->find("consumers"); it != r->end() && it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_string()) page.names.push_back(c.get<std::string>());
    }
  }
  return page;
}

}  // namespace nats::client
