// hmac_sha256 (token HS256): RFC 4231 vectors, and bit-identical to OpenSSL's EVP_MAC HMAC (the
// implementation before the pre-keyed states) for random keys and messages, across the per-thread
// cache's eviction and from several threads.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signet/service/token.hpp"

namespace signet::service {
namespace {

// The previous implementation: EVP_MAC "HMAC" keyed on every call.
std::array<core::byte, 32> reference_hmac(std::string_view key, std::string_view data) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  std::array<core::byte, 32> out{};
  std::size_t len = 0;
  const bool ok = ctx && EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1 && len == out.size();
  EXPECT_TRUE(ok);
  return out;
}

std::string unhex(std::string_view h) {
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(nibble(h[i]) * 16 + nibble(h[i + 1])));
  return out;
}

std::string random_string(std::size_t n) {
  std::string s(n, '\0');
  if (n != 0) {
    EXPECT_EQ(RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)), 1);
  }
  return s;
}

// Cases 6 and 7: a 131-byte key of 0xaa (longer than a block, so it is hashed first).
const std::string k_aa_131_hex(262, 'a');
const char* const k_aa_131 = k_aa_131_hex.c_str();

struct rfc4231_case {
  const char* key_hex;
  const char* data_hex;
  const char* mac_hex;  // HMAC-SHA-256; case 5 is truncated to 128 bits
};

// RFC 4231 §4.2–§4.8, HMAC-SHA-256 only.
const rfc4231_case k_rfc4231[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
     "a3b6167473100ee06e0c796c2955552b"},
    {k_aa_131,
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {k_aa_131,
     "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061"
     "206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564"
     "206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

TEST(hmac_sha256, rfc4231_vectors) {
  for (int round = 0; round < 2; ++round) {  // the second round is served from the pre-keyed states
    for (const auto& c : k_rfc4231) {
      const auto mac = core::hex_encode(hmac_sha256(unhex(c.key_hex), unhex(c.data_hex)));
      const std::string expected = c.mac_hex;
      EXPECT_EQ(mac.substr(0, expected.size()), expected) << "key " << c.key_hex << " round " << round;
    }
  }
}

TEST(hmac_sha256, identical_to_evp_mac_for_random_keys_and_messages) {
  // Key lengths around the 64-byte block (hashed above it), the empty key, and message lengths
  // around block boundaries; each key is used twice (a miss, then a hit).
  const std::size_t key_sizes[] = {0, 1, 31, 32, 46, 63, 64, 65, 100, 128, 200};
  const std::size_t msg_sizes[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 420, 1000};
  for (const auto ks : key_sizes) {
    const std::string key = random_string(ks);
    for (const auto ms : msg_sizes) {
      const std::string msg = random_string(ms);
      EXPECT_EQ(hmac_sha256(key, msg), reference_hmac(key, msg)) << ks << "/" << ms;
      EXPECT_EQ(hmac_sha256(key, msg), reference_hmac(key, msg)) << ks << "/" << ms;
    }
  }
}

TEST(hmac_sha256, keys_sharing_a_prefix_or_differing_in_the_last_byte_do_not_collide) {
  std::string a = "sk_" + std::string(43, 'a');
  std::string b = a;
  b.back() = 'b';
  const std::string c = a + "x";
  const std::string msg = "header.payload";
  EXPECT_EQ(hmac_sha256(a, msg), reference_hmac(a, msg));
  EXPECT_EQ(hmac_sha256(b, msg), reference_hmac(b, msg));
  EXPECT_EQ(hmac_sha256(c, msg), reference_hmac(c, msg));
  EXPECT_NE(hmac_sha256(a, msg), hmac_sha256(b, msg));
  EXPECT_EQ(hmac_sha256(a, msg), reference_hmac(a, msg));
}

TEST(hmac_sha256, more_keys_than_the_cache_holds) {
  // 200 keys cycle through the bounded per-thread cache (evictions), twice.
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(random_string(46));
  const std::string msg = random_string(300);
  for (int round = 0; round < 2; ++round)
    for (const auto& k : keys) ASSERT_EQ(hmac_sha256(k, msg), reference_hmac(k, msg));
}

TEST(hmac_sha256, several_threads) {
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(random_string(46));
  std::vector<std::string> msgs;
  std::vector<std::array<core::byte, 32>> expected;
  for (int i = 0; i < 32; ++i) {
    msgs.push_back(random_string(static_cast<std::size_t>(50 + i * 13)));
    expected.push_back(reference_hmac(keys[static_cast<std::size_t>(i) % keys.size()], msgs.back()));
  }
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round)
        for (std::size_t i = 0; i < msgs.size(); ++i)
          if (hmac_sha256(keys[i % keys.size()], msgs[i]) != expected[i]) ++failures[t];
    });
  for (auto& th : threads) th.join();
  for (const int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace signet::service
