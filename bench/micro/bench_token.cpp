// Micro-benchmarks of the Client API token HMAC (HS256, contract §3.2), run by scripts/bench-micro
// with the verification benchmarks.
//
//   token_hmac_sha256           hmac_sha256 with a tenant secret key (sk_ + 43 base64url characters)
//                               over a token-sized signing input (~420 bytes)
//   token_verify_signature_2keys verify_token_signature against a tenant with two active keys
//                               (every key is tried), on a token signed by sign_token
//   token_sign                  sign_token (JSON payload + base64url + HMAC)
#include <benchmark/benchmark.h>

#include <string>

#include "signet/service/token.hpp"

namespace svc = signet::service;

namespace {

const std::string k_key = "sk_" + std::string("q0sFZ2f3m1Yh7RkXy8bT4vNw6pLcDaE9jUoIiKrMxGz");
const std::string k_other_key = "sk_" + std::string("A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v");

svc::token_claims sample_claims() {
  svc::token_claims c;
  c.iss = "https://auth.example.com/v1";
  c.sub = "0b6ef4a1-7c1e-4f43-9a2f-3d7c54a0f1e2";
  c.iat = 1'800'000'000;
  c.exp = c.iat + 600;
  c.jti = "5b0a1f2e-0000-4000-8000-000000000001";
  c.scopes = {"read:authenticators", "add:authenticators", "update:authenticators", "remove:authenticators"};
  c.tenant_id = "3f1c9a52-1d8e-4a77-b0c4-6e2f8d9b5a10";
  c.user_id = c.sub;
  c.action_code = "signIn";
  c.idempotency_key = "9d2f6b1c-4e7a-4c0b-8f3d-2a5e7c9b1d04";
  return c;
}

void token_hmac_sha256(benchmark::State& state) {
  const std::string input(420, 'e');
  for (auto _ : state) {
    auto mac = svc::hmac_sha256(k_key, input);
    benchmark::DoNotOptimize(mac);
  }
}
BENCHMARK(token_hmac_sha256);

void token_verify_signature_2keys(benchmark::State& state) {
  const auto parsed = svc::parse_token(svc::sign_token(sample_claims(), k_key));
  const std::string keys[] = {k_other_key, k_key};
  if (!parsed || !svc::verify_token_signature(*parsed, keys)) {
    state.SkipWithError("token does not verify");
    return;
  }
  for (auto _ : state) {
    bool ok = svc::verify_token_signature(*parsed, keys);
    if (!ok) {
      state.SkipWithError("verify_token_signature failed");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(token_verify_signature_2keys);

void token_sign(benchmark::State& state) {
  const auto claims = sample_claims();
  for (auto _ : state) {
    auto t = svc::sign_token(claims, k_key);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(token_sign);

}  // namespace
