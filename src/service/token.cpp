#include "signet/service/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <functional>
#include <list>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace signet::service {
namespace json = boost::json;

bool token_claims::has_scope(std::string_view s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

namespace {

// HMAC-SHA256 (RFC 2104) from SHA-256 states pre-keyed with K⊕ipad and K⊕opad: each call copies the
// two states instead of fetching HMAC and SHA-256 by name and absorbing the key again.
// Each I/O thread keeps its own small LRU of pre-keyed states (no lock on the token path); an entry
// holds the key itself, compared in constant time before use, so a hash collision can only cost a miss.
constexpr std::size_t sha256_block = 64;
constexpr std::size_t hmac_cache_capacity = 64;  // per thread: tenants' active keys in use at once

const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("SHA-256 unavailable");
  return md;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

md_ctx_ptr new_md_ctx() {
  md_ctx_ptr c(EVP_MD_CTX_new());
  if (!c) throw std::runtime_error("HMAC failed");
  return c;
}

void digest_update(EVP_MD_CTX* c, const void* p, std::size_t n) {
  if (EVP_DigestUpdate(c, p, n) != 1) throw std::runtime_error("HMAC failed");
}

/// SHA-256 states after one block of K'⊕ipad / K'⊕opad (K' = K, or SHA-256(K) if longer than a block).
struct prekeyed_hmac {
  md_ctx_ptr inner = new_md_ctx();
  md_ctx_ptr outer = new_md_ctx();

  explicit prekeyed_hmac(std::string_view key) {
    std::array<unsigned char, sha256_block> k{};
    if (key.size() > sha256_block) {
      unsigned int n = 0;
      if (EVP_Digest(key.data(), key.size(), k.data(), &n, sha256_md(), nullptr) != 1) throw std::runtime_error("HMAC failed");
    } else {
      std::copy(key.begin(), key.end(), k.begin());
    }
    std::array<unsigned char, sha256_block> pad{};
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    if (EVP_DigestInit_ex2(inner.get(), sha256_md(), nullptr) != 1) throw std::runtime_error("HMAC failed");
    digest_update(inner.get(), pad.data(), pad.size());
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
    if (EVP_DigestInit_ex2(outer.get(), sha256_md(), nullptr) != 1) throw std::runtime_error("HMAC failed");
    digest_update(outer.get(), pad.data(), pad.size());
    OPENSSL_cleanse(k.data(), k.size());
    OPENSSL_cleanse(pad.data(), pad.size());
  }

  std::array<core::byte, 32> mac(EVP_MD_CTX* work, std::string_view data) const {
    std::array<core::byte, 32> inner_hash{};
    std::array<core::byte, 32> out{};
    unsigned int n = 0;
    if (EVP_MD_CTX_copy_ex(work, inner.get()) != 1) throw std::runtime_error("HMAC failed");
    digest_update(work, data.data(), data.size());
    if (EVP_DigestFinal_ex(work, inner_hash.data(), &n) != 1 || n != inner_hash.size())
      throw std::runtime_error("HMAC failed");
    if (EVP_MD_CTX_copy_ex(work, outer.get()) != 1) throw std::runtime_error("HMAC failed");
    digest_update(work, inner_hash.data(), inner_hash.size());
    if (EVP_DigestFinal_ex(work, out.data(), &n) != 1 || n != out.size()) throw std::runtime_error("HMAC failed");
    return out;
  }
};

/// One thread's cache: the most recently used entry first. Bounded; evicted keys are wiped.
class hmac_key_cache {
 public:
  std::array<core::byte, 32> mac(std::string_view key, std::string_view data) {
    const std::size_t h = std::hash<std::string_view>{}(key);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->hash != h || it->key.size() != key.size() ||
          CRYPTO_memcmp(it->key.data(), key.data(), key.size()) != 0)
        continue;
      if (it != entries_.begin()) entries_.splice(entries_.begin(), entries_, it);
      return it->state.mac(work_.get(), data);
    }
    if (entries_.size() >= hmac_cache_capacity) entries_.pop_back();
    entries_.emplace_front(h, key);
    return entries_.front().state.mac(work_.get(), data);
  }

 private:
  struct entry {
    std::size_t hash;
    std::string key;
    prekeyed_hmac state;
    entry(std::size_t h, std::string_view k) : hash(h), key(k), state(k) {}
    ~entry() { OPENSSL_cleanse(key.data(), key.size()); }
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
  };
  std::list<entry> entries_;
  md_ctx_ptr work_ = new_md_ctx();
};

}  // namespace

std::array<core::byte, 32> hmac_sha256(std::string_view key, std::string_view data) {
  thread_local hmac_key_cache cache;
  return cache.mac(key, data);
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

std::shared_ptr<const parsed_token> parse_token_memo(std::string_view token) {
  // Per thread, no lock; emptied when full (a token is reused within a ceremony, seconds apart).
  constexpr std::size_t capacity = 1024;
  constexpr std::size_t max_token = 4096;  // longer ones are parsed every time, not kept
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  thread_local std::unordered_map<std::string, std::shared_ptr<const parsed_token>, text_hash, std::equal_to<>> memo;
  if (token.size() <= max_token) {
    if (auto it = memo.find(token); it != memo.end()) return it->second;
  }
  auto parsed = parse_token(token);
  if (!parsed) return nullptr;
  auto shared = std::make_shared<const parsed_token>(std::move(*parsed));
  if (token.size() <= max_token) {
    if (memo.size() >= capacity) memo.clear();
    memo.emplace(std::string(token), shared);
  }
  return shared;
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
