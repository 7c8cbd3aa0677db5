// The services framework (nats/micro.h, ADR-32) against a live server: endpoints answer
// requests, errors carry the service-error headers and are counted, every instance answers
// $SRV.PING|INFO|STATS with the documented JSON, queue groups share the load and stop() removes
// every subscription. Registered twice by CMake: against natsd and against nats-server.

#include <nlohmann/json.hpp>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "nats/micro.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace micro = nats::client::micro;

micro::ServiceConfig config(std::string name, std::string version) {
  micro::ServiceConfig c;
  c.name = std::move(name);
  c.version = std::move(version);
  return c;
}

// "[1, 2, 3]" -> the numbers; false when the body is not a JSON array of numbers.
bool parse_numbers(std::string_view body, std::vector<double>& out) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_array()) return false;
  for (const json& v : j) {
    if (!v.is_number()) return false;
    out.push_back(v.get<double>());
  }
  return !out.empty();
}

// A "calc" service: calc.add sums, calc.subtract subtracts the rest from the first number.
std::unique_ptr<micro::Service> start_calc(Connection& nc, std::string name = "calc",
                                           micro::ServiceConfig extra = {}) {
  extra.name = std::move(name);
  if (extra.version.empty()) extra.version = "1.2.3";
  if (extra.description.empty()) extra.description = "adds and subtracts";
  auto svc = micro::add_service(nc, std::move(extra));
  if (!svc) {
    ADD_FAILURE() << svc.status().to_string();
    return nullptr;
  }
  micro::Group g = (*svc)->add_group("calc");
  auto arithmetic = [](bool subtract) {
    return [subtract](micro::Request& req) {
      std::vector<double> n;
      if (!parse_numbers(req.data(), n)) {
        (void)req.respond_error(400, "expected a JSON array of numbers", req.data());
        return;
      }
      double r = n[0];
      for (size_t i = 1; i < n.size(); ++i) r = subtract ? r - n[i] : r + n[i];
      (void)req.respond_json(r);
    };
  };
  EXPECT_TRUE(g.add_endpoint(
      micro::EndpointConfig{"add", {}, arithmetic(false), {{"op", "+"}}, {}, false}));
  EXPECT_TRUE(g.add_endpoint("subtract", arithmetic(true)));
  EXPECT_TRUE((*svc)->add_endpoint("noop", [](micro::Request&) {}));
  return std::move(svc.value());
}

// Publishes one request and collects every answer for `wait` (or until `expect` arrived).
std::vector<json> scatter(Connection& nc, const std::string& subject, size_t expect = 0,
                          std::chrono::milliseconds wait = 1500ms) {
  std::vector<json> out;
  auto inbox = nc.subscribe_sync(nc.new_inbox());
  if (!inbox) return out;
  if (!nc.publish(subject, inbox->subject(), "")) return out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (expect == 0 || out.size() < expect) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto m = inbox->next_msg(left);
    if (!m) break;
    if (m->status() == 503) break;
    out.push_back(json::parse(m->data(), nullptr, false));
  }
  return out;
}

TEST(ClientMicro, AddSubtractServiceAnswersAndCountsErrors) {
  auto svc_nc = connect_or_fail();
  auto nc = connect_or_fail();
  ASSERT_TRUE(svc_nc && nc);
  auto svc = start_calc(*svc_nc);
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc_nc->flush());

  auto r = nc->request("calc.add", "[1, 2, 3.5]", 2s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(json::parse(r->data()), 6.5);
  EXPECT_FALSE(r->has_headers());
  r = nc->request("calc.subtract", "[10, 4]", 2s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(json::parse(r->data()), 6);

  r = nc->request("calc.add", "not numbers", 2s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->headers().get("Nats-Service-Error-Code"), "400");
  EXPECT_EQ(r->headers().get("Nats-Service-Error"), "expected a JSON array of numbers");
  EXPECT_EQ(r->data(), "not numbers");

  // The endpoint that never answers still counts its request.
  EXPECT_EQ(nc->request("noop", "", 200ms).code(), Errc::kTimeout);

  ASSERT_TRUE(wait_for([&] { return svc->stats().endpoints[2].num_requests == 1; }));
  const micro::ServiceStats st = svc->stats();
  ASSERT_EQ(st.endpoints.size(), 3u);
  EXPECT_EQ(st.endpoints[0].name, "add");
  EXPECT_EQ(st.endpoints[0].subject, "calc.add");
  EXPECT_EQ(st.endpoints[0].queue_group, "q");
  EXPECT_EQ(st.endpoints[0].num_requests, 2u);
  EXPECT_EQ(st.endpoints[0].num_errors, 1u);
  EXPECT_EQ(st.endpoints[0].last_error, "400:expected a JSON array of numbers");
  EXPECT_GT(st.endpoints[0].processing_time.count(), 0);
  EXPECT_EQ(st.endpoints[0].average_processing_time, st.endpoints[0].processing_time / 2);
  EXPECT_EQ(st.endpoints[1].subject, "calc.subtract");
  EXPECT_EQ(st.endpoints[1].num_requests, 1u);
  EXPECT_EQ(st.endpoints[1].num_errors, 0u);
  EXPECT_EQ(st.endpoints[2].subject, "noop");

  // The same numbers over $SRV.STATS.<name>.<id>.
  auto answers = scatter(*nc, "$SRV.STATS.calc." + svc->id(), 1);
  ASSERT_EQ(answers.size(), 1u);
  const json& s = answers[0];
  EXPECT_EQ(s["type"], "io.nats.micro.v1.stats_response");
  EXPECT_EQ(s["endpoints"][0]["num_requests"], 2);
  EXPECT_EQ(s["endpoints"][0]["num_errors"], 1);
  EXPECT_EQ(s["endpoints"][0]["last_error"], "400:expected a JSON array of numbers");
  EXPECT_TRUE(s["endpoints"][0]["processing_time"].is_number_integer());
  EXPECT_TRUE(s["endpoints"][0]["average_processing_time"].is_number_integer());

  svc->reset();
  const micro::ServiceStats zero = svc->stats();
  EXPECT_EQ(zero.endpoints[0].num_requests, 0u);
  EXPECT_EQ(zero.endpoints[0].num_errors, 0u);
  EXPECT_EQ(zero.endpoints[0].last_error, "");
  EXPECT_EQ(zero.endpoints[0].processing_time.count(), 0);
  EXPECT_GE(zero.started_wall_ns, st.started_wall_ns);
}

TEST(ClientMicro, DiscoveryAnswersFromEveryInstance) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<std::unique_ptr<micro::Service>> svcs;
  for (const char* name : {"calc", "calc", "other-svc"}) {
    conns.push_back(connect_or_fail());
    ASSERT_TRUE(conns.back());
    micro::ServiceConfig cfg;
    cfg.metadata = {{"region", "test"}};
    cfg.stats_handler = [](const micro::EndpointStats& e) { return json{{"seen", e.name}}; };
    svcs.push_back(start_calc(*conns.back(), name, cfg));
    ASSERT_TRUE(svcs.back());
    ASSERT_TRUE(conns.back()->flush());
  }
  EXPECT_NE(svcs[0]->id(), svcs[1]->id());
  EXPECT_EQ(svcs[0]->id().size(), 22u);  // a NUID

  auto pings = scatter(*nc, "$SRV.PING", 3);
  ASSERT_EQ(pings.size(), 3u);
  std::set<std::string> ids;
  for (const json& p : pings) {
    EXPECT_EQ(p["type"], "io.nats.micro.v1.ping_response");
    EXPECT_EQ(p["version"], "1.2.3");
    EXPECT_EQ(p["metadata"], (json{{"region", "test"}}));
    ids.insert(p["id"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::set<std::string>{svcs[0]->id(), svcs[1]->id(), svcs[2]->id()}));
  EXPECT_EQ(pings[0].size(), 5u) << pings[0].dump();  // type name id version metadata

  EXPECT_EQ(scatter(*nc, "$SRV.PING.calc", 2).size(), 2u);
  EXPECT_EQ(scatter(*nc, "$SRV.INFO.other-svc", 1).size(), 1u);

  auto infos = scatter(*nc, "$SRV.INFO.calc." + svcs[1]->id(), 1);
  ASSERT_EQ(infos.size(), 1u);
  const json& info = infos[0];
  EXPECT_EQ(info["type"], "io.nats.micro.v1.info_response");
  EXPECT_EQ(info["name"], "calc");
  EXPECT_EQ(info["id"], svcs[1]->id());
  EXPECT_EQ(info["description"], "adds and subtracts");
  ASSERT_EQ(info["endpoints"].size(), 3u);
  EXPECT_EQ(info["endpoints"][0], (json{{"name", "add"},
                                        {"subject", "calc.add"},
                                        {"queue_group", "q"},
                                        {"metadata", {{"op", "+"}}}}));
  EXPECT_EQ(info["endpoints"][1]["metadata"], json::object());

  auto stats = scatter(*nc, "$SRV.STATS", 3);
  ASSERT_EQ(stats.size(), 3u);
  for (const json& s : stats) {
    EXPECT_EQ(s["type"], "io.nats.micro.v1.stats_response");
    EXPECT_TRUE(s["started"].is_string());
    EXPECT_EQ(s["started"].get<std::string>().back(), 'Z');
    ASSERT_EQ(s["endpoints"].size(), 3u);
    EXPECT_EQ(s["endpoints"][1]["data"], (json{{"seen", "subtract"}}));
    for (const char* key : {"name", "subject", "queue_group", "num_requests", "num_errors",
                            "last_error", "processing_time", "average_processing_time"}) {
      EXPECT_TRUE(s["endpoints"][0].contains(key)) << key;
    }
  }
}

TEST(ClientMicro, QueueGroupSharesRequestsBetweenInstances) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<std::unique_ptr<micro::Service>> svcs;
  for (int i = 0; i < 2; ++i) {
    conns.push_back(connect_or_fail());
    ASSERT_TRUE(conns.back());
    svcs.push_back(start_calc(*conns.back()));
    ASSERT_TRUE(svcs.back());
    ASSERT_TRUE(conns.back()->flush());
  }
  // A third instance in its own queue group sees every request too.
  conns.push_back(connect_or_fail());
  micro::ServiceConfig own;
  own.queue_group = "audit";
  svcs.push_back(start_calc(*conns.back(), "calc", own));
  ASSERT_TRUE(svcs.back());
  ASSERT_TRUE(conns.back()->flush());

  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    auto r = nc->request("calc.add", "[1,1]", 2s);
    ASSERT_TRUE(r) << r.status().to_string();
  }
  auto count = [&](size_t i) { return svcs[i]->stats().endpoints[0].num_requests; };
  ASSERT_TRUE(wait_for([&] { return count(0) + count(1) == kRequests && count(2) == kRequests; }))
      << count(0) << " + " << count(1) << ", audit " << count(2);
  EXPECT_GT(count(0), 0u);
  EXPECT_GT(count(1), 0u);
  EXPECT_EQ(svcs[2]->stats().endpoints[0].queue_group, "audit");
}

TEST(ClientMicro, NoQueueGroupMeansEveryInstanceReceives) {
  auto nc = connect_or_fail();
  auto a = connect_or_fail();
  auto b = connect_or_fail();
  ASSERT_TRUE(nc && a && b);
  micro::ServiceConfig cfg;
  cfg.no_queue_group = true;
  auto s1 = start_calc(*a, "calc", cfg);
  auto s2 = start_calc(*b, "calc", cfg);
  ASSERT_TRUE(s1 && s2);
  ASSERT_TRUE(a->flush() && b->flush());
  EXPECT_EQ(s1->info().endpoints[0].queue_group, "");
  auto answers = scatter(*nc, "calc.add", 2);
  EXPECT_EQ(answers.size(), 2u);
}

TEST(ClientMicro, StopRemovesEverySubscription) {
  auto svc_nc = connect_or_fail();
  auto nc = connect_or_fail();
  ASSERT_TRUE(svc_nc && nc);
  auto svc = start_calc(*svc_nc);
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc_nc->flush());
  ASSERT_TRUE(nc->request("calc.add", "[1]", 2s));
  ASSERT_TRUE(svc->stop());
  EXPECT_TRUE(svc->stopped());
  ASSERT_TRUE(svc->stop());  // twice is fine
  ASSERT_TRUE(svc_nc->flush());
  EXPECT_EQ(nc->request("calc.add", "[1]", 2s).code(), Errc::kNoResponders);
  EXPECT_EQ(nc->request("$SRV.PING.calc", "", 2s).code(), Errc::kNoResponders);
  EXPECT_EQ(nc->request("$SRV.PING", "", 2s).code(), Errc::kNoResponders);
  EXPECT_EQ(svc->add_endpoint("late", [](micro::Request&) {}).code(), Errc::kInvalidArgument);
}

TEST(ClientMicro, StopFromAHandler) {
  auto svc_nc = connect_or_fail();
  auto nc = connect_or_fail();
  ASSERT_TRUE(svc_nc && nc);
  auto svc = micro::add_service(*svc_nc, config("stopper", "0.0.1"));
  ASSERT_TRUE(svc);
  micro::Service* raw = svc->get();
  ASSERT_TRUE((*svc)->add_endpoint("quit", [raw](micro::Request& req) {
    (void)req.respond("bye");
    (void)raw->stop();
  }));
  ASSERT_TRUE(svc_nc->flush());
  auto r = nc->request("quit", "", 2s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->data(), "bye");
  ASSERT_TRUE(wait_for([&] { return (*svc)->stopped(); }));
  ASSERT_TRUE(svc_nc->flush());
  EXPECT_EQ(nc->request("quit", "", 1s).code(), Errc::kNoResponders);
}

TEST(ClientMicro, ConfigurationIsChecked) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  EXPECT_EQ(micro::add_service(*nc, config("bad name", "1.0.0")).code(), Errc::kInvalidArgument);
  EXPECT_EQ(micro::add_service(*nc, config("", "1.0.0")).code(), Errc::kInvalidArgument);
  for (const char* v : {"1.0", "v1.0.0", "01.0.0", "1.0.0-", ""}) {
    EXPECT_EQ(micro::add_service(*nc, config("ok", v)).code(), Errc::kInvalidArgument) << v;
  }
  for (const char* v : {"0.0.1", "1.0.0-rc.1", "1.0.0+build.7", "10.20.30-alpha.1+sha.5"}) {
    EXPECT_TRUE(micro::is_valid_semver(v)) << v;
  }
  auto svc = micro::add_service(*nc, config("ok", "1.0.0"));
  ASSERT_TRUE(svc);
  auto noop = [](micro::Request&) {};
  EXPECT_EQ((*svc)->add_endpoint("bad.name", noop).code(), Errc::kInvalidArgument);
  EXPECT_EQ((*svc)->add_endpoint(micro::EndpointConfig{"x", "a.>.b", noop, {}, {}, false}).code(),
            Errc::kInvalidSubject);
  EXPECT_EQ((*svc)->add_endpoint("nohandler", nullptr).code(), Errc::kInvalidArgument);
  // Groups nest and wildcards are allowed in endpoint subjects.
  micro::Group g = (*svc)->add_group("a").add_group("b", "grp");
  EXPECT_EQ(g.prefix(), "a.b");
  ASSERT_TRUE(g.add_endpoint(micro::EndpointConfig{"all", ">", noop, {}, {}, false}));
  const micro::ServiceInfo info = (*svc)->info();
  ASSERT_EQ(info.endpoints.size(), 1u);
  EXPECT_EQ(info.endpoints[0].subject, "a.b.>");
  EXPECT_EQ(info.endpoints[0].queue_group, "grp");
  EXPECT_EQ(micro::control_subject(micro::Verb::kStats, "ok", (*svc)->id()),
            "$SRV.STATS.ok." + (*svc)->id());
}

}  // namespace
}  // namespace nats::client::testing
