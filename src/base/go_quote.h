#pragma once
// Quotes bytes the way Go's %q does for a []byte: printable ASCII as is, `"` and `\` escaped,
// \a \b \f \n \r \t \v by name, other bytes as \xNN (valid UTF-8 above ASCII is kept). Traces
// of message payloads use it so they read exactly like nats-server's.

#include <string>
#include <string_view>

namespace nats {

std::string go_quote(std::string_view bytes);

}  // namespace nats
