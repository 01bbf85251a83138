// The Client API token (contract §3.2): a compact HS256 JWS signed with the tenant's token key.
// Verification is split so the caller can find the tenant (from the unverified `other.tenantId`)
// before checking the HMAC with that tenant's keys (contract §3.4 steps 1–3).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.hpp"
#include "signet/service/env.hpp"

namespace signet::service {

inline constexpr std::string_view scope_read = "read:authenticators";
inline constexpr std::string_view scope_add = "add:authenticators";
inline constexpr std::string_view scope_update = "update:authenticators";
inline constexpr std::string_view scope_remove = "remove:authenticators";

struct token_claims {
  std::string iss;
  std::string sub;
  std::int64_t iat = 0;
  std::int64_t exp = 0;
  std::string jti;
  std::vector<std::string> scopes;
  std::string tenant_id;
  std::string user_id;
  std::string action_code;
  std::string idempotency_key;

  bool has_scope(std::string_view s) const;
};

/// Encodes and signs. `key` is the HMAC key (the tenant's first secret key).
std::string sign_token(const token_claims& claims, std::string_view key);

/// A structurally valid token whose signature has not been checked yet.
struct parsed_token {
  token_claims claims;
  boost::json::object payload;  // decoded payload, for queryUsers' tokenPayload
  std::string signing_input;    // "<header>.<payload>" as received
  core::bytes signature;
  /// For a token from parse_token_memo: the key set (a tenant snapshot, held so that its address
  /// cannot be reused) under which these exact bytes verified, so the Bearer check need not compute
  /// the HMAC again while the tenant is the same snapshot. Touched only by the thread whose memo
  /// holds the token.
  mutable std::shared_ptr<const void> verified_under;
};

/// Step 1: three base64url parts, header JSON with alg exactly "HS256", payload JSON with the §3.2
/// claims of the right types. nullopt on any deviation (the caller answers invalid_token).
std::optional<parsed_token> parse_token(std::string_view token);

/// parse_token through a per-thread memo of the last tokens parsed (a pure function of the token's
/// bytes: a hit is the same result). The Bearer check parses the same token on every request of a
/// ceremony; expiry and the rest are still checked on each, the signature once per tenant snapshot
/// (`verified_under`). nullptr when malformed. The result stays on the calling thread.
std::shared_ptr<const parsed_token> parse_token_memo(std::string_view token);

/// Step 2: true if the HMAC-SHA256 verifies under one of `keys` (constant-time compare).
bool verify_token_signature(const parsed_token& t, std::span<const std::string> keys);

/// Step 3: past `exp`, allowing `skew` of clock difference.
bool token_expired(const token_claims& c, time_point now, std::chrono::seconds skew = std::chrono::seconds(5));

/// HMAC-SHA256 (exposed for tests and benchmarks). Thread-safe: each thread keeps SHA-256 states
/// pre-keyed for the last 64 keys it used (the keys are compared in constant time, wiped on eviction).
std::array<core::byte, 32> hmac_sha256(std::string_view key, std::string_view data);

}  // namespace signet::service
