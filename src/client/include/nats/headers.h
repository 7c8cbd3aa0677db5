#pragma once
// Message headers (NATS/1.0 header blocks). The codec lives in src/proto, shared with the
// server; the client exposes it under its own namespace.

#include "proto/headers.h"

namespace nats::client {
using Headers = nats::proto::Headers;
}  // namespace nats::client
