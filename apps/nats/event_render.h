#pragma once
// Renders the server's advisories (client connect, disconnect, authentication error) the way
// `nats events` shows them in natscli: a block per event ("[12:00:00] [id] Client Connection")
// or one line with --short. Events of other types get a heading and their JSON, indented.

#include <string>
#include <string_view>

namespace nats::cli {

enum class EventFormat { kExtended, kShort };

// The text for one event (its JSON as received), ending in a newline. An event that is not
// JSON renders as "Event error: ..." plus the raw body, as natscli does.
std::string render_event(std::string_view subject, std::string_view json, EventFormat format);

}  // namespace nats::cli
