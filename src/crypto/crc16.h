#pragma once
// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor): the checksum
// nkeys append, little-endian, to a key before base32-encoding it. Pure, safe from any thread.

#include <cstdint>
#include <span>

namespace nats::crypto {

uint16_t crc16(std::span<const uint8_t> data);

}  // namespace nats::crypto
