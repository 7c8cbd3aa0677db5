// Unit tests of the monitoring building blocks: the HTTP request parser and response writer,
// and /connz ordering, paging and formatting.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/conn_info.h"
#include "server/http_request.h"
#include "server/monitor_util.h"

namespace nats {
namespace {

using http::ParseStatus;

constexpr int64_t kSec = 1'000'000'000;

http::ParseResult parse(std::string_view data, http::Request& req) {
  return http::parse_request(data, req);
}

TEST(HttpRequest, ParsesGetWithQueryAndHeaders) {
  http::Request req;
  const std::string data =
      "GET /connz?subs=1&sort=msgs_from&limit=2 HTTP/1.1\r\nHost: localhost:8222\r\n"
      "User-Agent: curl/7.88\r\nAccept: */*\r\n\r\n";
  http::ParseResult r = parse(data, req);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, data.size());
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/connz");
  EXPECT_EQ(req.version_minor, 1);
  EXPECT_EQ(req.param("subs"), "1");
  EXPECT_EQ(req.param("sort"), "msgs_from");
  EXPECT_EQ(req.param("limit"), "2");
  EXPECT_TRUE(req.has_param("limit"));
  EXPECT_FALSE(req.has_param("offset"));
  EXPECT_EQ(req.param("offset"), "");
  ASSERT_NE(req.header("host"), nullptr);
  EXPECT_EQ(*req.header("HOST"), "localhost:8222");
  EXPECT_EQ(req.header("Cookie"), nullptr);
}

TEST(HttpRequest, StopsAtTheEndOfTheHeadAndIgnoresTheBody) {
  http::Request req;
  const std::string head = "HEAD /varz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";
  http::ParseResult r = parse(head + "body", req);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, head.size());
  EXPECT_EQ(req.method, "HEAD");
}

TEST(HttpRequest, IsIncompleteUntilTheBlankLine) {
  const std::string full = "GET /varz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t n = 0; n < full.size(); ++n) {
    http::Request req;
    EXPECT_EQ(parse(full.substr(0, n), req).status, ParseStatus::kIncomplete) << n;
  }
  http::Request req;
  EXPECT_EQ(parse(full, req).status, ParseStatus::kComplete);
}

TEST(HttpRequest, AcceptsBareLineFeedsAndHttp10WithoutHost) {
  http::Request req;
  http::ParseResult r = parse("GET /healthz HTTP/1.0\n\n", req);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(req.version_minor, 0);
  EXPECT_EQ(req.path, "/healthz");
}

TEST(HttpRequest, IgnoresEmptyLinesBeforeTheRequestLine) {
  http::Request req;
  EXPECT_EQ(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", req).status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/");
}

TEST(HttpRequest, DecodesPathAndQuery) {
  http::Request req;
  http::ParseResult r = parse(
      "GET /sub%73z?test=foo%2Ebar&x=a+b%20c&flag&=v&&empty= HTTP/1.1\r\nHost: x\r\n\r\n", req);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(req.path, "/subsz");
  EXPECT_EQ(req.param("test"), "foo.bar");
  EXPECT_EQ(req.param("x"), "a b c");
  EXPECT_TRUE(req.has_param("flag"));
  EXPECT_EQ(req.param("flag"), "");
  EXPECT_EQ(req.param(""), "v");
  EXPECT_TRUE(req.has_param("empty"));
}

TEST(HttpRequest, FirstValueOfARepeatedParameterWins) {
  http::Request req;
  ASSERT_EQ(parse("GET /connz?cid=1&cid=2 HTTP/1.1\r\nHost: x\r\n\r\n", req).status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.param("cid"), "1");
}

TEST(HttpRequest, AcceptsAbsoluteFormTargets) {
  http::Request req;
  ASSERT_EQ(parse("GET http://127.0.0.1:8222/varz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", req).status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/varz");
  EXPECT_EQ(req.param("x"), "1");
  ASSERT_EQ(parse("GET http://127.0.0.1:8222 HTTP/1.1\r\nHost: x\r\n\r\n", req).status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/");
}

TEST(HttpRequest, RejectsMalformedRequests) {
  const char* bad[] = {
      "GARBAGE\r\n\r\n",                                       // no target or version
      "GET /varz\r\nHost: x\r\n\r\n",                          // no version
      "GET  /varz HTTP/1.1\r\nHost: x\r\n\r\n",                // empty target
      "GET /varz HTTP/1.1 extra\r\nHost: x\r\n\r\n",           // bad version
      "GET /varz HTTX/1.1\r\nHost: x\r\n\r\n",                 // bad protocol name
      "G(T /varz HTTP/1.1\r\nHost: x\r\n\r\n",                 // bad method
      "GET varz HTTP/1.1\r\nHost: x\r\n\r\n",                  // not origin-form
      "GET ftp://x/varz HTTP/1.1\r\nHost: x\r\n\r\n",          // unknown scheme
      "GET /va%zz HTTP/1.1\r\nHost: x\r\n\r\n",                // bad escape in path
      "GET /varz?a=%4 HTTP/1.1\r\nHost: x\r\n\r\n",            // short escape in query
      "GET /varz?a=% HTTP/1.1\r\nHost: x\r\n\r\n",             // lone '%'
      "GET /varz HTTP/1.1\r\n\r\n",                            // HTTP/1.1 without Host
      "GET /varz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",      // two Hosts
      "GET /varz HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n",     // header without ':'
      "GET /varz HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",  // space in header name
      "GET /varz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",      // obsolete line folding
      "GET /varz HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n",     // control character in value
      "GET /va\x7fz HTTP/1.1\r\nHost: x\r\n\r\n",              // control character in target
  };
  for (const char* data : bad) {
    http::Request req;
    EXPECT_EQ(parse(data, req).status, ParseStatus::kBadRequest) << data;
  }
}

TEST(HttpRequest, RejectsOtherProtocolVersions) {
  http::Request req;
  EXPECT_EQ(parse("GET /varz HTTP/2.0\r\nHost: x\r\n\r\n", req).status,
            ParseStatus::kVersionUnsupported);
}

TEST(HttpRequest, LimitsTheSizeOfTheHead) {
  http::Request req;
  const std::string big = "GET /varz HTTP/1.1\r\nHost: x\r\nX: " + std::string(200, 'a');
  EXPECT_EQ(http::parse_request(big, req, 100).status, ParseStatus::kHeadersTooLarge);
  EXPECT_EQ(http::parse_request(big + "\r\n\r\n", req, 100).status, ParseStatus::kHeadersTooLarge);
  EXPECT_EQ(http::parse_request(big + "\r\n\r\n", req, 1000).status, ParseStatus::kComplete);
}

TEST(HttpRequest, UrlDecode) {
  std::string out;
  EXPECT_TRUE(http::url_decode("a%20b+c%2b%2F", false, out));
  EXPECT_EQ(out, "a b+c+/");
  out.clear();
  EXPECT_TRUE(http::url_decode("a+b", true, out));
  EXPECT_EQ(out, "a b");
  for (const char* bad : {"%", "%1", "%g0", "a%0"}) {
    out.clear();
    EXPECT_FALSE(http::url_decode(bad, true, out)) << bad;
  }
}

TEST(HttpResponse, SerializesHeadersAndBody) {
  http::Response r;
  r.body = "{}";
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  // 2026-11-23T13:13:55Z
  const int64_t when = int64_t(1795439635) * kSec;
  const std::string out = http::serialize_response(r, false, when);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Access-Control-Allow-Origin: *\r\nDate: Mon, 23 Nov 2026 13:13:55 GMT\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
  const std::string head = http::serialize_response(r, true, when);
  EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, NotFoundLooksLikeGo) {
  http::Response r = http::text_response(404, "404 page not found\n");
  const std::string out = http::serialize_response(r, false, 0);
  EXPECT_EQ(out.rfind("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n", 0),
            0u);
  EXPECT_NE(out.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
}

// --- /connz ordering and paging

ConnInfo conn(uint64_t cid) {
  ConnInfo c;
  c.cid = cid;
  c.start_ns = 1000 * kSec + int64_t(cid) * kSec;
  c.last_activity_ns = c.start_ns;
  return c;
}

std::vector<uint64_t> cids(const std::vector<ConnInfo>& v) {
  std::vector<uint64_t> out;
  for (const ConnInfo& c : v) out.push_back(c.cid);
  return out;
}

TEST(ConnzSelect, SortsByCidByDefaultAndPages) {
  std::vector<ConnInfo> v;
  for (uint64_t cid : {5, 3, 1, 4, 2}) v.push_back(conn(cid));
  const int64_t now = 2000 * kSec;
  EXPECT_EQ(cids(connz_select(v, ConnzPage{}, now)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kCid, 1, 2}, now)),
            (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kCid, 4, 10}, now)),
            (std::vector<uint64_t>{5}));
  EXPECT_TRUE(connz_select(v, ConnzPage{ConnzSort::kCid, 5, 10}, now).empty());
  EXPECT_TRUE(connz_select(v, ConnzPage{ConnzSort::kCid, 100, 10}, now).empty());
  // A negative offset counts as 0, a limit <= 0 as the default.
  EXPECT_EQ(connz_select(v, ConnzPage{ConnzSort::kCid, -3, 0}, now).size(), 5u);
}

TEST(ConnzSelect, CountersSortDescendingWithTiesInCidOrder) {
  std::vector<ConnInfo> v;
  for (uint64_t cid = 1; cid <= 4; ++cid) v.push_back(conn(cid));
  v[0].in_msgs = 5;
  v[1].in_msgs = 10;
  v[2].in_msgs = 5;
  v[3].in_msgs = 0;
  v[0].out_bytes = 1;
  v[3].out_bytes = 9;
  v[2].num_subs = 3;
  v[1].pending_bytes = 7;
  v[1].rtt_ns = 100;
  v[3].rtt_ns = 200;
  const int64_t now = 2000 * kSec;
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kInMsgs}, now)),
            (std::vector<uint64_t>{2, 1, 3, 4}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kOutBytes}, now)),
            (std::vector<uint64_t>{4, 1, 2, 3}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kSubs}, now)),
            (std::vector<uint64_t>{3, 1, 2, 4}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kPending}, now)),
            (std::vector<uint64_t>{2, 1, 3, 4}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kRtt}, now)),
            (std::vector<uint64_t>{4, 2, 1, 3}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kInMsgs, 1, 2}, now)),
            (std::vector<uint64_t>{1, 3}));
}

TEST(ConnzSelect, TimeBasedOrders) {
  std::vector<ConnInfo> v;
  for (uint64_t cid = 1; cid <= 3; ++cid) v.push_back(conn(cid));  // started 1001s, 1002s, 1003s
  v[0].last_activity_ns = 1500 * kSec;
  v[1].last_activity_ns = 1100 * kSec;
  v[2].last_activity_ns = 1300 * kSec;
  const int64_t now = 2000 * kSec;
  // Most recent activity first; longest idle first; shortest uptime first.
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kLast}, now)),
            (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kIdle}, now)),
            (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kUptime}, now)),
            (std::vector<uint64_t>{3, 2, 1}));
  // A closed connection's uptime stops at its stop time.
  v[0].stop_ns = 1002 * kSec;  // up for 1s
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kUptime}, now)),
            (std::vector<uint64_t>{1, 3, 2}));
}

TEST(ConnzSelect, ClosedOrders) {
  std::vector<ConnInfo> v;
  for (uint64_t cid = 1; cid <= 3; ++cid) v.push_back(conn(cid));
  v[0].stop_ns = 3000 * kSec;
  v[1].stop_ns = 5000 * kSec;
  v[2].stop_ns = 4000 * kSec;
  v[0].reason = "Stale Connection";
  v[1].reason = "Client Closed";
  v[2].reason = "Read Error";
  const int64_t now = 9000 * kSec;
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kStop}, now)),
            (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_EQ(cids(connz_select(v, ConnzPage{ConnzSort::kReason}, now)),
            (std::vector<uint64_t>{2, 3, 1}));
}

TEST(ConnzSort, ParsesNatsServerNames) {
  EXPECT_EQ(parse_connz_sort(""), ConnzSort::kCid);
  EXPECT_EQ(parse_connz_sort("cid"), ConnzSort::kCid);
  EXPECT_EQ(parse_connz_sort("start"), ConnzSort::kStart);
  EXPECT_EQ(parse_connz_sort("msgs_to"), ConnzSort::kOutMsgs);
  EXPECT_EQ(parse_connz_sort("msgs_from"), ConnzSort::kInMsgs);
  EXPECT_EQ(parse_connz_sort("bytes_to"), ConnzSort::kOutBytes);
  EXPECT_EQ(parse_connz_sort("bytes_from"), ConnzSort::kInBytes);
  EXPECT_EQ(parse_connz_sort("rtt"), ConnzSort::kRtt);
  EXPECT_EQ(parse_connz_sort("stop"), ConnzSort::kStop);
  EXPECT_FALSE(parse_connz_sort("bogus").has_value());
  EXPECT_FALSE(parse_connz_sort("CID").has_value());
}

// --- formats

TEST(MonitorFormat, UptimeLikeNatsServer) {
  EXPECT_EQ(format_uptime(0), "0s");
  EXPECT_EQ(format_uptime(999'999'999), "0s");
  EXPECT_EQ(format_uptime(59 * kSec), "59s");
  EXPECT_EQ(format_uptime(62 * kSec), "1m2s");
  EXPECT_EQ(format_uptime(3600 * kSec), "1h0m0s");
  EXPECT_EQ(format_uptime((86400 + 3661) * kSec), "1d1h1m1s");
  EXPECT_EQ(format_uptime((366 * 86400 + 5) * kSec), "1y1d0h0m5s");
  EXPECT_EQ(format_uptime(-5 * kSec), "0s");
}

TEST(MonitorFormat, RttLikeNatsServer) {
  EXPECT_EQ(format_rtt(0), "0s");
  EXPECT_EQ(format_rtt(999), "999ns");
  EXPECT_EQ(format_rtt(348'123), "348µs");  // truncated to microseconds below 1ms
  EXPECT_EQ(format_rtt(1'234'567), "1.234567ms");
  EXPECT_EQ(format_rtt(2 * kSec), "2s");
}

TEST(MonitorFormat, GoFloatsPrintWholeValuesWithoutAFraction) {
  EXPECT_EQ(go_float(2.0).dump(), "2");
  EXPECT_EQ(go_float(0.0).dump(), "0");
  EXPECT_EQ(go_float(0.875).dump(), "0.875");
  EXPECT_EQ(go_float(12.5).dump(), "12.5");
}

TEST(MonitorFormat, GoBools) {
  for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) EXPECT_EQ(parse_go_bool(t), true);
  for (const char* f : {"0", "f", "F", "false", "FALSE", "False"}) {
    EXPECT_EQ(parse_go_bool(f), false);
  }
  for (const char* x : {"", "yes", "tRuE", "2", "detail"}) EXPECT_FALSE(parse_go_bool(x));
}

TEST(MonitorFormat, BasePaths) {
  EXPECT_EQ(normalize_base_path(""), "/");
  EXPECT_EQ(normalize_base_path("/"), "/");
  EXPECT_EQ(normalize_base_path("nats"), "/nats");
  EXPECT_EQ(normalize_base_path("/nats/"), "/nats");
  EXPECT_EQ(normalize_base_path("//a/./b/../c"), "/a/c");
  EXPECT_EQ(join_url_path("/", "/varz"), "/varz");
  EXPECT_EQ(join_url_path("/nats", "/varz"), "/nats/varz");
  EXPECT_EQ(join_url_path("/nats", "/"), "/nats");
  EXPECT_EQ(join_url_path("/", "/"), "/");
}

TEST(MonitorRouting, EndpointsUnderTheBasePath) {
  EXPECT_EQ(monitor_endpoint("/varz", "/"), "/varz");
  EXPECT_EQ(monitor_endpoint("/connz", "/"), "/connz");
  EXPECT_EQ(monitor_endpoint("/subscriptionsz", "/"), "/subsz");  // the old alias
  EXPECT_EQ(monitor_endpoint("/metrics", "/"), "/metrics");
  EXPECT_EQ(monitor_endpoint("/", "/"), "/");
  EXPECT_EQ(monitor_endpoint("/varz/", "/"), "");  // exact match only, as nats-server
  EXPECT_EQ(monitor_endpoint("/nope", "/"), "");
  EXPECT_EQ(monitor_endpoint("/VARZ", "/"), "");

  EXPECT_EQ(monitor_endpoint("/nats/varz", "/nats"), "/varz");
  EXPECT_EQ(monitor_endpoint("/nats", "/nats"), "/");
  EXPECT_EQ(monitor_endpoint("/nats/", "/nats"), "");
  EXPECT_EQ(monitor_endpoint("/varz", "/nats"), "");
  EXPECT_EQ(monitor_endpoint("/", "/nats"), "");
}

// --- query decoding

http::Request request(std::string_view target) {
  http::Request req;
  const std::string data = "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(http::parse_request(data, req).status, ParseStatus::kComplete);
  return req;
}

TEST(MonitorDecode, ReportsErrorsLikeNatsServer) {
  std::string err;
  int64_t i = 7;
  EXPECT_TRUE(decode_int(request("/connz"), "limit", i, err));
  EXPECT_EQ(i, 7);  // absent: untouched
  EXPECT_TRUE(decode_int(request("/connz?limit=-3"), "limit", i, err));
  EXPECT_EQ(i, -3);
  EXPECT_TRUE(decode_int(request("/connz?limit=%2B4"), "limit", i, err));
  EXPECT_EQ(i, 4);
  EXPECT_FALSE(decode_int(request("/connz?limit=x"), "limit", i, err));
  EXPECT_EQ(err, "Error decoding int for 'limit': strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_FALSE(decode_int(request("/connz?limit=99999999999999999999"), "limit", i, err));
  EXPECT_EQ(err,
            "Error decoding int for 'limit': strconv.Atoi: parsing \"99999999999999999999\": "
            "value out of range");

  uint64_t u = 0;
  EXPECT_TRUE(decode_uint64(request("/connz?cid=12"), "cid", u, err));
  EXPECT_EQ(u, 12u);
  EXPECT_FALSE(decode_uint64(request("/connz?cid=-1"), "cid", u, err));
  EXPECT_EQ(err,
            "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"-1\": invalid "
            "syntax");

  bool b = false;
  EXPECT_TRUE(decode_bool(request("/connz?subs=1"), "subs", b, err));
  EXPECT_TRUE(b);
  EXPECT_FALSE(decode_bool(request("/connz?subs=x"), "subs", b, err));
  EXPECT_EQ(err,
            "Error decoding boolean for 'subs': strconv.ParseBool: parsing \"x\": invalid "
            "syntax");
}

// --- JSON shapes

TEST(MonitorJsonShape, ConnInfoOmitsEmptyFieldsAndKeepsNatsServerOrder) {
  ConnInfo c = conn(7);
  c.ip = "127.0.0.1";
  c.port = 5000;
  c.start_ns = 1795439635 * kSec;
  c.last_activity_ns = c.start_ns + 2 * kSec;
  c.name = "a";
  c.num_subs = 1;
  c.subs = {"foo"};
  c.subs_detail = {SubDetail{"", "foo", "q", "1", 3, 0, 7}};
  const int64_t now = c.start_ns + 65 * kSec;

  MonitorJson j = conn_info_json(c, ConnzRender{}, now);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"cid", "kind", "type", "ip", "port", "start",
                                            "last_activity", "rtt", "uptime", "idle",
                                            "pending_bytes", "in_msgs", "out_msgs", "in_bytes",
                                            "out_bytes", "subscriptions", "name"}));
  EXPECT_EQ(j["kind"], "Client");
  EXPECT_EQ(j["type"], "nats");
  EXPECT_EQ(j["start"], "2026-11-23T13:13:55Z");
  EXPECT_EQ(j["uptime"], "1m5s");
  EXPECT_EQ(j["idle"], "1m3s");
  EXPECT_EQ(j["rtt"], "0s");

  j = conn_info_json(c, ConnzRender{true, false, false}, now);
  EXPECT_EQ(j["subscriptions_list"], MonitorJson::array({"foo"}));
  EXPECT_FALSE(j.contains("subscriptions_list_detail"));
  j = conn_info_json(c, ConnzRender{true, true, false}, now);
  EXPECT_FALSE(j.contains("subscriptions_list"));
  EXPECT_EQ(j["subscriptions_list_detail"].dump(),
            R"([{"subject":"foo","qgroup":"q","sid":"1","msgs":3,"cid":7}])");

  // Closed: stop and reason appear, uptime and idle end at the stop time.
  c.stop_ns = c.start_ns + 10 * kSec;
  c.reason = "Client Closed";
  j = conn_info_json(c, ConnzRender{}, now);
  EXPECT_EQ(j["stop"], "2026-11-23T13:14:05Z");
  EXPECT_EQ(j["reason"], "Client Closed");
  EXPECT_EQ(j["uptime"], "10s");
  EXPECT_EQ(j["idle"], "8s");
}

TEST(MonitorJsonShape, AuthAddsUserButNotTheGlobalAccount) {
  ConnInfo c = conn(1);
  c.user = "alice";
  c.account = "$G";
  MonitorJson j = conn_info_json(c, ConnzRender{false, false, true}, c.start_ns);
  EXPECT_EQ(j["authorized_user"], "alice");
  EXPECT_FALSE(j.contains("account"));
  j = conn_info_json(c, ConnzRender{}, c.start_ns);
  EXPECT_FALSE(j.contains("authorized_user"));
}

TEST(MonitorJsonShape, ResponsesArePrettyJsonOrJsonp) {
  MonitorJson j;
  j["a"] = 1;
  j["b"] = MonitorJson::array();
  http::Response r = json_response(request("/varz"), j);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\n  \"a\": 1,\n  \"b\": []\n}");

  r = json_response(request("/varz?callback=cb"), j);
  EXPECT_EQ(r.content_type, "application/javascript");
  EXPECT_EQ(r.body, "cb({\n  \"a\": 1,\n  \"b\": []\n})");

  r = json_response(request("/varz?callback=%3Cscript%3E"), j);
  EXPECT_EQ(r.status, 400);

  // Invalid UTF-8 (a client name, say) is replaced rather than failing the response.
  MonitorJson bad;
  bad["name"] = std::string("a\xff");
  r = json_response(request("/connz"), bad, 200, false);
  EXPECT_EQ(r.body, "{\"name\":\"a\xEF\xBF\xBD\"}");
}

TEST(MonitorJsonShape, SublistStats) {
  SublistStats s;
  s.num_subscriptions = 2;
  s.avg_fanout = 0.875;
  EXPECT_EQ(sublist_stats_json(s).dump(),
            R"({"num_subscriptions":2,"num_cache":0,"num_inserts":0,"num_removes":0,)"
            R"("num_matches":0,"cache_hit_rate":0,"max_fanout":0,"avg_fanout":0.875})");
}

TEST(ClosedClients, KeepsTheMostRecentOnes) {
  ClosedClients ring(3);
  for (uint64_t cid = 1; cid <= 5; ++cid) ring.add(conn(cid));
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(cids(ring.snapshot()), (std::vector<uint64_t>{3, 4, 5}));
  ring.set_capacity(1);
  EXPECT_EQ(cids(ring.snapshot()), (std::vector<uint64_t>{5}));
}

TEST(MonitorFormat, PrometheusLabelEscaping) {
  EXPECT_EQ(prom_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace nats
