#pragma once
// The nats-cpp client library: include this one header.
//
//   auto nc = nats::client::Connection::connect("nats://127.0.0.1:4222");
//   if (!nc) { fmt::print("{}\n", nc.status().to_string()); return 1; }
//   auto sub = (*nc)->subscribe("greet.*", [](nats::client::Message m) { ... });
//   (*nc)->publish("greet.joe", "hello");
//   auto reply = (*nc)->request("svc.time", "", std::chrono::seconds(1));

#include "nats/connection.h"
#include "nats/headers.h"
#include "nats/message.h"
#include "nats/options.h"
#include "nats/status.h"
#include "nats/subscription.h"
