// The service layer's view of time and randomness, injected so tests can fix them.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "signet/core/bytes.hpp"

namespace signet::service {

using time_point = std::chrono::system_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

/// Cryptographically secure random bytes. fill() throws std::runtime_error if the CSPRNG fails.
class random_source {
 public:
  virtual ~random_source() = default;
  virtual void fill(std::span<core::byte> out) = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

/// OpenSSL's CSPRNG (RAND_bytes).
class openssl_random final : public random_source {
 public:
  void fill(std::span<core::byte> out) override;
};

core::bytes random_bytes(random_source& rng, std::size_t n);
/// Lowercase RFC 9562 version-4 UUID.
std::string uuid_v4(random_source& rng);
/// A challengeId: a version-4 UUID whose first 48 bits are the challenge's expiry and the other 74
/// random (store/challenge_address.hpp: the store finds the challenge by it without an index).
std::string challenge_id(random_source& rng, time_point expires_at);
/// n challenge bytes: the first 6 the expiry (as above), the rest random (n < 6: all random).
core::bytes challenge_value(random_source& rng, time_point expires_at, std::size_t n);
/// ISO-8601 UTC with milliseconds and Z, e.g. 2024-05-13T04:59:02.640Z.
std::string iso8601(time_point t);
/// Parses the form iso8601() writes (and without milliseconds); false on anything else.
bool parse_iso8601(std::string_view s, time_point& out);
std::int64_t unix_seconds(time_point t);

}  // namespace signet::service
