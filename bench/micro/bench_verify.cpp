// Micro-benchmarks of WebAuthn verification, each beside the primitive that dominates it.
//
//   openssl_es256_verify           one ES256 verify (EVP_DigestVerify, SHA-256 + ECDSA P-256) over an
//                                  assertion-sized message: the floor for an assertion
//   core_verify_signature_es256    the same through core::verify_signature (key already parsed)
//   core_parse_cose_key_es256      COSE_Key -> validated EVP_PKEY (done once per assertion)
//   es256_assertion_verify         finish_authentication on a soft-authenticator ES256 assertion
//                                  (response already parsed: clientData, authData, COSE key, signature)
//   es256_assertion_verify_json    the same plus parse_authentication_response_json (what a login costs)
//   es256_assertion_verify_cached_key  finish_authentication with the stored key taken from the
//                                  service's public_key_cache (a hit: lookup by the COSE bytes, no import)
//   packed_self_registration       finish_registration, packed self attestation, ES256
//   packed_x5c_registration        finish_registration, packed attestation with an x5c leaf issued by a
//                                  test CA that the trust source anchors (X.509 parse + path validation)
//
// Every fixture verifies once before timing and the benchmark reports an error instead of a time
// when that fails, so a broken path never shows up as a fast one. scripts/bench-micro prints each
// beside `openssl speed ecdsap256`.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/attestation.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/imported_key.hpp"
#include "signet/core/policy.hpp"
#include "signet/service/key_cache.hpp"
#include "soft_authenticator.hpp"

namespace core = signet::core;
namespace st = signet::test;

namespace {

constexpr std::int32_t k_es256 = static_cast<std::int32_t>(core::cose_alg::es256);
const auto k_now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));  // 2026-01-01
const std::vector<std::string> k_origins{"https://example.com"};

core::challenge fixed_challenge(core::byte seed) {
  core::bytes b(32);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<core::byte>(seed + i);
  return core::challenge(std::move(b));
}

class one_ca_trust final : public core::trust_source {
 public:
  explicit one_ca_trust(std::shared_ptr<X509> ca) : ca_(std::move(ca)) {}
  std::vector<std::shared_ptr<X509>> anchors(std::string_view, const core::aaguid&) const override { return {ca_}; }

 private:
  std::shared_ptr<X509> ca_;
};

// ---- the raw primitive ----------------------------------------------------------------------

struct raw_es256 {
  st::key_pair key = st::key_pair::generate(k_es256);
  core::bytes message = core::bytes(37 + 32, 0xa5);  // authenticatorData ‖ SHA-256(clientDataJSON)
  core::bytes sig = key.sign(message);
};

raw_es256& raw() {
  static raw_es256 r;
  return r;
}

void openssl_es256_verify(benchmark::State& state) {
  auto& r = raw();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, r.key.get()) == 1 &&
             EVP_DigestVerify(ctx, r.sig.data(), r.sig.size(), r.message.data(), r.message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
      state.SkipWithError("EVP_DigestVerify failed");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(openssl_es256_verify);

void core_verify_signature_es256(benchmark::State& state) {
  auto& r = raw();
  const auto key = core::parse_cose_key(r.key.cose_public_key());
  if (!key) {
    state.SkipWithError("parse_cose_key failed");
    return;
  }
  for (auto _ : state) {
    auto v = core::verify_signature(*key, r.message, r.sig);
    if (!v) {
      state.SkipWithError("verify_signature failed");
      break;
    }
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(core_verify_signature_es256);

// COSE_Key -> validated EVP_PKEY (the curve's parameters-only key duplicated, the point set, public
// check): paid at registration and at a sign-in that misses the key cache (the store keeps COSE bytes).
void core_parse_cose_key_es256(benchmark::State& state) {
  const auto cose = raw().key.cose_public_key();
  for (auto _ : state) {
    auto k = core::parse_cose_key(cose);
    if (!k) {
      state.SkipWithError("parse_cose_key failed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(core_parse_cose_key_es256);

// The same checks without building the EVP_PKEY (the point decoded on the curve's shared group): what
// a "none" registration pays for its key.
void core_check_cose_key_es256(benchmark::State& state) {
  const auto cose = raw().key.cose_public_key();
  for (auto _ : state) {
    auto alg = core::check_cose_key(cose);
    if (!alg) {
      state.SkipWithError("check_cose_key failed");
      break;
    }
    benchmark::DoNotOptimize(alg);
  }
}
BENCHMARK(core_check_cose_key_es256);

// ---- assertions ------------------------------------------------------------------------------

struct assertion_env {
  st::soft_authenticator auth{k_es256};
  core::policy policy;
  core::user_handle user{core::bytes{'b', 'e', 'n', 'c', 'h'}};
  core::stored_credential credential;
  std::optional<core::authentication_ceremony> ceremony;
  std::string json;
  std::optional<core::authentication_response> response;
  std::string error;

  assertion_env() {
    st::registration_knobs rk;
    rk.challenge = fixed_challenge(1).to_base64url();
    auto reg = auth.make_registration(rk);
    credential.id = core::credential_id(reg.credential_id);
    credential.public_key_cose = reg.cose_key;
    credential.sign_count = 0;
    credential.user = user;

    core::begin_authentication_options bo;
    bo.rp_id = core::rp_id("example.com");
    bo.challenge = fixed_challenge(2);
    bo.now = k_now;
    bo.user = user;
    bo.allow_credentials = {credential.id};
    auto c = core::begin_authentication(bo);
    if (!c) {
      error = "begin_authentication: " + c.error().message();
      return;
    }
    ceremony = std::move(*c);

    st::assertion_knobs ak;
    ak.challenge = ceremony->challenge().to_base64url();
    ak.sign_count = 1;
    ak.user_handle = user.value();
    json = auth.make_assertion(ak).json;
    auto parsed = core::parse_authentication_response_json(json);
    if (!parsed) {
      error = "parse_authentication_response_json: " + parsed.error().message();
      return;
    }
    response = std::move(*parsed);
    if (auto r = finish(*response); !r) error = "finish_authentication: " + r.error().message();
  }

  boost::system::result<core::authentication_result> finish(const core::authentication_response& resp,
                                                            const core::public_key* imported = nullptr) const {
    core::finish_authentication_options fo;
    fo.ceremony = &*ceremony;
    fo.response = &resp;
    fo.credential = &credential;
    fo.origins = k_origins;
    fo.policy = &policy;
    fo.now = k_now + std::chrono::seconds(1);
    return core::finish_authentication(fo, imported);
  }
};

assertion_env& assertion() {
  static assertion_env e;
  return e;
}

void es256_assertion_verify(benchmark::State& state) {
  auto& e = assertion();
  if (!e.error.empty()) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    auto r = e.finish(*e.response);
    if (!r) {
      state.SkipWithError("finish_authentication failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(es256_assertion_verify);

void es256_assertion_verify_json(benchmark::State& state) {
  auto& e = assertion();
  if (!e.error.empty()) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    auto parsed = core::parse_authentication_response_json(e.json);
    auto r = parsed ? e.finish(*parsed) : boost::system::result<core::authentication_result>(parsed.error());
    if (!r) {
      state.SkipWithError("parse + finish_authentication failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(es256_assertion_verify_json);

void es256_assertion_verify_cached_key(benchmark::State& state) {
  auto& e = assertion();
  if (!e.error.empty()) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  signet::service::public_key_cache cache;
  if (!cache.get(e.credential.public_key_cose)) {
    state.SkipWithError("public_key_cache import failed");
    return;
  }
  for (auto _ : state) {
    const auto key = cache.get(e.credential.public_key_cose);
    auto r = e.finish(*e.response, key.get());
    if (!r) {
      state.SkipWithError("finish_authentication with a cached key failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(es256_assertion_verify_cached_key);

// ---- registrations ---------------------------------------------------------------------------

struct registration_env {
  st::soft_authenticator auth{k_es256};
  std::optional<st::test_ca> ca;
  std::unique_ptr<one_ca_trust> trust;
  core::policy policy;
  std::optional<core::registration_ceremony> ceremony;
  std::optional<core::registration_response> response;
  std::string error;

  explicit registration_env(st::attestation_mode mode) {
    core::begin_registration_options bo;
    bo.rp_id = core::rp_id("example.com");
    bo.user = core::user_entity{core::user_handle(core::bytes{'b', 'e', 'n', 'c', 'h'}), "bench", "Bench"};
    bo.challenge = fixed_challenge(3);
    bo.now = k_now;
    auto c = core::begin_registration(bo);
    if (!c) {
      error = "begin_registration: " + c.error().message();
      return;
    }
    ceremony = std::move(*c);

    st::registration_knobs rk;
    rk.challenge = ceremony->challenge().to_base64url();
    rk.mode = mode;
    if (mode == st::attestation_mode::packed_x5c) {
      ca = st::test_ca::create("Signet Bench CA", k_now - std::chrono::hours(24 * 365),
                               k_now + std::chrono::hours(24 * 365 * 5));
      trust = std::make_unique<one_ca_trust>(ca->shared_cert());
      rk.ca = &*ca;
      rk.leaf.not_before = k_now - std::chrono::hours(24);
      rk.leaf.not_after = k_now + std::chrono::hours(24 * 365);
      rk.leaf.aaguid_extension = st::soft_aaguid();
      policy.require_trusted_attestation = true;
    }
    auto parsed = core::parse_registration_response_json(auth.make_registration(rk).json);
    if (!parsed) {
      error = "parse_registration_response_json: " + parsed.error().message();
      return;
    }
    response = std::move(*parsed);
    auto r = finish();
    if (!r)
      error = "finish_registration: " + r.error().message();
    else if (mode == st::attestation_mode::packed_x5c && !r->attestation_trusted)
      error = "packed x5c registration not anchored";
  }

  boost::system::result<core::registration_result> finish() const {
    core::finish_registration_options fo;
    fo.ceremony = &*ceremony;
    fo.response = &*response;
    fo.origins = k_origins;
    fo.policy = &policy;
    fo.trust = trust.get();
    fo.now = k_now + std::chrono::seconds(1);
    return core::finish_registration(fo);
  }
};

void run_registration(benchmark::State& state, registration_env& e) {
  if (!e.error.empty()) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    auto r = e.finish();
    if (!r) {
      state.SkipWithError("finish_registration failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}

// What C2 verifies for a passkey (attestation "none"): client data, authenticator data, the key checked.
void none_registration(benchmark::State& state) {
  static registration_env e(st::attestation_mode::none);
  run_registration(state, e);
}
BENCHMARK(none_registration);

void packed_self_registration(benchmark::State& state) {
  static registration_env e(st::attestation_mode::packed_self);
  run_registration(state, e);
}
BENCHMARK(packed_self_registration);

void packed_x5c_registration(benchmark::State& state) {
  static registration_env e(st::attestation_mode::packed_x5c);
  run_registration(state, e);
}
BENCHMARK(packed_x5c_registration);

}  // namespace

BENCHMARK_MAIN();
