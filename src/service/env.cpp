#include "signet/service/env.hpp"

#include "signet/store/challenge_address.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>

namespace signet::service {

namespace {
/// Bumped in the child of every fork: a block filled before the fork is in both processes, and the
/// child must not hand out the bytes the parent will (OpenSSL's own DRBG reseeds after a fork).
std::atomic<std::uint64_t> fork_generation{0};
void after_fork_in_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

/// Small requests (ids, challenges, handles: 16-48 bytes, several per request) are served from a
/// per-thread block of RAND_bytes output: each RAND_bytes call pays a fixed DRBG cost (~1.4 µs under
/// load, its AES re-key) whatever its size. Served bytes are wiped from the block at once, and the
/// rest when the thread ends or a fork is seen: the block only ever holds bytes no caller has seen,
/// in this process or another.
class random_block {
 public:
  static constexpr std::size_t size = 1024;
  static constexpr std::size_t max_request = 64;

  void take(std::span<core::byte> out) {
    const auto generation = fork_generation.load(std::memory_order_relaxed);
    if (used_ + out.size() > size || generation != generation_) {
      if (RAND_bytes(block_.data(), static_cast<int>(size)) != 1) throw std::runtime_error("RAND_bytes failed");
      used_ = 0;
      generation_ = generation;
    }
    std::memcpy(out.data(), block_.data() + used_, out.size());
    OPENSSL_cleanse(block_.data() + used_, out.size());
    used_ += out.size();
  }
  ~random_block() { OPENSSL_cleanse(block_.data(), block_.size()); }

 private:
  std::array<core::byte, size> block_{};
  std::size_t used_ = size;  // empty: filled on first use
  std::uint64_t generation_ = 0;
};
}  // namespace

void openssl_random::fill(std::span<core::byte> out) {
  if (out.empty()) return;  // (an empty span's data() may be null: no memcpy from or to it)
  if (out.size() <= random_block::max_request) {
    static const bool hooked = pthread_atfork(nullptr, nullptr, &after_fork_in_child) == 0;
    if (!hooked) throw std::runtime_error("pthread_atfork failed");
    thread_local random_block block;
    block.take(out);
    return;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, std::numeric_limits<int>::max());
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1)
      throw std::runtime_error("RAND_bytes failed");
    done += chunk;
  }
}

core::bytes random_bytes(random_source& rng, std::size_t n) {
  core::bytes b(n);
  rng.fill(b);
  return b;
}

namespace {
/// Sets the version-4 and variant bits and formats the 16 bytes as a lowercase UUID.
std::string format_v4(std::array<core::byte, 16> b) {
  b[6] = static_cast<core::byte>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<core::byte>((b[8] & 0x3F) | 0x80);
  core::aaguid g;
  g.value = b;
  return g.to_string();
}
}  // namespace

std::string uuid_v4(random_source& rng) {
  std::array<core::byte, 16> b{};
  rng.fill(b);
  return format_v4(b);
}

std::string challenge_id(random_source& rng, time_point expires_at) {
  std::array<core::byte, 16> b{};
  rng.fill(b);
  store::challenge_address::write_prefix(store::challenge_address::expiry_ms(expires_at), b);
  return format_v4(b);
}

core::bytes challenge_value(random_source& rng, time_point expires_at, std::size_t n) {
  core::bytes b = random_bytes(rng, n);
  if (n >= store::challenge_address::prefix_size)
    store::challenge_address::write_prefix(store::challenge_address::expiry_ms(expires_at), b);
  return b;
}

std::string iso8601(time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long frac = static_cast<long>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[128];  // room for every field at its widest, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

bool parse_iso8601(std::string_view s, time_point& out) {
  int y, mo, d, h, mi, sec;
  int n = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return false;
  long ms = 0;
  std::size_t pos = static_cast<std::size_t>(n);
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < str.size() && str[pos] >= '0' && str[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (str[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (pos + 1 != str.size() || str[pos] != 'Z') return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::time_t secs = timegm(&tm);
  out = time_point(std::chrono::seconds(secs)) + std::chrono::milliseconds(ms);
  return true;
}

std::int64_t unix_seconds(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace signet::service
