#include "signet/service/token.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <stdexcept>

namespace signet::service {
namespace json = boost::json;

bool token_claims::has_scope(std::string_view s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

std::array<core::byte, 32> hmac_sha256(std::string_view key, std::string_view data) {
  // The EVP_MAC is fetched once; a context per call keeps this thread-safe.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) throw std::runtime_error("HMAC unavailable");
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac), &EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  std::array<core::byte, 32> out{};
  std::size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size())
    throw std::runtime_error("HMAC failed");
  return out;
}

std::string sign_token(const token_claims& c, std::string_view key) {
  static const std::string header = core::base64url_encode(core::as_bytes(R"({"alg":"HS256","typ":"JWT"})"));
  std::string scope;
  for (const auto& s : c.scopes) {
    if (!scope.empty()) scope.push_back(' ');
    scope += s;
  }
  json::object other;
  other["tenantId"] = c.tenant_id;
  other["publishableKey"] = c.tenant_id;
  other["userId"] = c.user_id;
  other["actionCode"] = c.action_code;
  other["idempotencyKey"] = c.idempotency_key;
  json::object payload;
  payload["iss"] = c.iss;
  payload["sub"] = c.sub;
  payload["iat"] = c.iat;
  payload["exp"] = c.exp;
  payload["jti"] = c.jti;
  payload["scope"] = scope;
  payload["other"] = std::move(other);
  std::string input = header;
  input.push_back('.');
  input += core::base64url_encode(core::as_bytes(json::serialize(payload)));
  const auto sig = hmac_sha256(key, input);
  input.push_back('.');
  input += core::base64url_encode(sig);
  return input;
}

namespace {

std::optional<json::object> decode_json_part(std::string_view part) {
  auto raw = core::base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(core::as_chars(*raw), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

const json::string* get_string(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v ? v->if_string() : nullptr;
}

std::optional<std::int64_t> get_int(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

}  // namespace

std::optional<parsed_token> parse_token(std::string_view token) {
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return std::nullopt;
  const auto header = decode_json_part(token.substr(0, d1));
  if (!header) return std::nullopt;
  // alg must be exactly HS256: "none", HS384/512 and asymmetric algs are all refused (alg confusion).
  const auto* alg = get_string(*header, "alg");
  if (!alg || *alg != "HS256") return std::nullopt;
  if (const auto* crit = header->if_contains("crit"); crit) return std::nullopt;  // we understand no extensions
  auto payload = decode_json_part(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return std::nullopt;
  auto sig = core::base64url_decode(token.substr(d2 + 1));
  if (!sig || sig->size() != 32) return std::nullopt;

  parsed_token t;
  const auto* sub = get_string(*payload, "sub");
  const auto iat = get_int(*payload, "iat");
  const auto exp = get_int(*payload, "exp");
  const json::value* other_v = payload->if_contains("other");
  const json::object* other = other_v ? other_v->if_object() : nullptr;
  if (!sub || !iat || !exp || !other) return std::nullopt;
  const auto* tenant = get_string(*other, "tenantId");
  const auto* user = get_string(*other, "userId");
  const auto* action = get_string(*other, "actionCode");
  const auto* key = get_string(*other, "idempotencyKey");
  if (!tenant || !user || !action || !key || *user != *sub) return std::nullopt;
  t.claims.sub = std::string(*sub);
  t.claims.iat = *iat;
  t.claims.exp = *exp;
  t.claims.tenant_id = std::string(*tenant);
  t.claims.user_id = std::string(*user);
  t.claims.action_code = std::string(*action);
  t.claims.idempotency_key = std::string(*key);
  if (const auto* iss = get_string(*payload, "iss")) t.claims.iss = std::string(*iss);
  if (const auto* jti = get_string(*payload, "jti")) t.claims.jti = std::string(*jti);
  if (const auto* scope = get_string(*payload, "scope")) {
    std::string_view rest(*scope);
    while (!rest.empty()) {
      const auto sp = rest.find(' ');
      auto word = rest.substr(0, sp);
      if (!word.empty()) t.claims.scopes.emplace_back(word);
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
  }
  t.payload = std::move(*payload);
  t.signing_input = std::string(token.substr(0, d2));
  t.signature = std::move(*sig);
  return t;
}

bool verify_token_signature(const parsed_token& t, std::span<const std::string> keys) {
  bool ok = false;
  for (const auto& k : keys) {
    const auto mac = hmac_sha256(k, t.signing_input);
    // Every key is tried (no early exit) and compared in constant time.
    ok |= CRYPTO_memcmp(mac.data(), t.signature.data(), mac.size()) == 0;
  }
  return ok;
}

bool token_expired(const token_claims& c, time_point now, std::chrono::seconds skew) {
  return unix_seconds(now) >= c.exp + skew.count();
}

}  // namespace signet::service
