// Soft-authenticator seed source for signet_fuzz_seeds: mints valid registrations and assertions with
// the test-only soft authenticator (tests/support) and writes them as vector files in the format of
// ../shared/vectors/README.md, so the same extractor turns them into seeds. They add what the real
// vectors lack: every credential algorithm we support in packed self attestation, packed x5c and
// fido-u2f chains from a generated CA, and assertions for every algorithm.
#include "soft_vectors.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

#include "signet/core/cose.hpp"
#include "soft_authenticator.hpp"

namespace signet::fuzz {

namespace {

namespace json = boost::json;
using test::attestation_mode;

void write(const std::filesystem::path& dir, const std::string& id, json::object v) {
  v["id"] = id;
  std::ofstream f(dir / (id + ".json"), std::ios::binary | std::ios::trunc);
  f << json::serialize(v);
  if (!f) throw std::runtime_error("cannot write " + (dir / (id + ".json")).string());
}

}  // namespace

std::size_t write_soft_vectors(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto now = std::chrono::system_clock::now();
  const auto year = std::chrono::hours(24 * 365);
  const auto ca = test::test_ca::create("Signet Fuzz Seed CA", now - year, now + 10 * year);
  const std::string challenge = core::base64url_encode(core::bytes(32, 0x42));
  std::size_t n = 0;

  struct mode_case {
    const char* name;
    attestation_mode mode;
  };
  constexpr mode_case modes[] = {{"none", attestation_mode::none},
                                 {"packed-self", attestation_mode::packed_self},
                                 {"packed-x5c", attestation_mode::packed_x5c},
                                 {"fido-u2f", attestation_mode::fido_u2f}};
  for (const std::int32_t alg : core::supported_credential_algorithms()) {
    test::soft_authenticator auth(alg);
    for (const auto& m : modes) {
      // fido-u2f is ES256-only (FIDO U2F raw message format); packed x5c statements sign with ES256.
      if (m.mode == attestation_mode::fido_u2f && alg != static_cast<std::int32_t>(core::cose_alg::es256)) continue;
      test::registration_knobs k;
      k.challenge = challenge;
      k.mode = m.mode;
      k.ca = &ca;
      k.leaf.not_before = now - year;
      k.leaf.not_after = now + year;
      if (m.mode == attestation_mode::fido_u2f) k.flags = core::flags::up | core::flags::at;
      const auto reg = auth.make_registration(k);
      json::object v;
      v["kind"] = "registration";
      v["response"] = json::parse(reg.json);
      v["expectedRPID"] = k.rp_id;
      write(dir, "soft-reg-" + std::string(m.name) + "-alg" + std::to_string(-alg), std::move(v));
      ++n;
    }
    test::assertion_knobs a;
    a.challenge = challenge;
    a.user_handle = core::bytes{'s', 'e', 'e', 'd'};
    const auto as = auth.make_assertion(a);
    json::object v;
    v["kind"] = "authentication";
    v["response"] = json::parse(as.json);
    v["expectedRPID"] = a.rp_id;
    v["credential"] = json::object{{"id", core::base64url_encode(auth.credential_id())},
                                   {"publicKey", core::base64url_encode(auth.cose_public_key())},
                                   {"counter", 0}};
    write(dir, "soft-auth-alg" + std::to_string(-alg), std::move(v));
    ++n;
  }
  return n;
}

}  // namespace signet::fuzz
