// begin_registration / begin_authentication and ceremony (de)serialisation.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "signet/core/ceremony.hpp"
#include "signet/core/json_arena.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

using boost::system::result;
namespace json = boost::json;

namespace {

// §13.4.3: challenges SHOULD be at least 16 bytes; we require it of our own ceremonies.
constexpr std::size_t k_min_challenge = 16;
constexpr std::size_t k_max_challenge = 64;
constexpr std::size_t k_max_user_handle = 64;  // §5.4.3

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
std::chrono::system_clock::time_point from_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::milliseconds(ms)));
}

std::optional<user_verification_requirement> uv_from_string(std::string_view s) {
  if (s == "required") return user_verification_requirement::required;
  if (s == "preferred") return user_verification_requirement::preferred;
  if (s == "discouraged") return user_verification_requirement::discouraged;
  return std::nullopt;
}

json::array descriptors(const std::vector<credential_id>& ids, const json::storage_ptr& sp = {}) {
  json::array out(sp);
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(json::object({{"type", "public-key"}, {"id", id.to_base64url()}}, sp));
  return out;
}

// A serialised record's tree: only the string leaves.
using record_arena = json_arena<2048>;

// Reads a base64url string member; nullopt when absent or invalid.
std::optional<bytes> b64_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return base64url_decode(v->get_string());
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.get_object();
}

}  // namespace

std::string_view to_string(user_verification_requirement u) noexcept {
  switch (u) {
    case user_verification_requirement::required: return "required";
    case user_verification_requirement::preferred: return "preferred";
    case user_verification_requirement::discouraged: return "discouraged";
  }
  return "required";
}

result<registration_ceremony> begin_registration(const begin_registration_options& o) {
  if (o.challenge.size() < k_min_challenge || o.challenge.size() > k_max_challenge) return errc::ceremony_options_invalid;
  if (o.user.id.empty() || o.user.id.size() > k_max_user_handle) return errc::ceremony_options_invalid;
  if (o.rp_id.value().empty()) return errc::ceremony_options_invalid;
  if (o.timeout.count() <= 0) return errc::ceremony_options_invalid;
  std::vector<std::int32_t> algs = o.algorithms;
  if (algs.empty() && o.policy) algs = o.policy->allowed_algorithms;
  const auto supported = supported_credential_algorithms();
  if (algs.empty()) algs.assign(supported.begin(), supported.end());
  for (auto a : algs)
    if (std::find(supported.begin(), supported.end(), a) == supported.end()) return errc::ceremony_options_invalid;

  registration_ceremony c;
  c.challenge_ = o.challenge;
  c.rp_id_ = o.rp_id;
  c.user_ = o.user;
  c.expires_at_ = o.now + o.timeout;
  c.uv_ = o.user_verification;
  c.algorithms_ = algs;
  c.conditional_ = o.conditional;
  c.rp_name_ = o.rp_name.empty() ? o.rp_id.value() : o.rp_name;
  c.timeout_ = o.timeout;
  c.resident_key_ = o.resident_key;
  c.attestation_ = o.attestation;
  c.exclude_ = o.exclude_credentials;
  return c;
}

std::string registration_ceremony::options_json() const {
  // PublicKeyCredentialCreationOptionsJSON (§5.1.10).
  json::array params;
  for (auto a : algorithms_) params.push_back(json::object{{"type", "public-key"}, {"alg", a}});
  json::object opts{
      {"rp", json::object{{"id", rp_id_.value()}, {"name", rp_name_}}},
      {"user", json::object{{"id", user_.id.to_base64url()}, {"name", user_.name}, {"displayName", user_.display_name}}},
      {"challenge", challenge_.to_base64url()},
      {"pubKeyCredParams", std::move(params)},
      {"timeout", timeout_.count()},
      {"excludeCredentials", descriptors(exclude_)},
      {"authenticatorSelection", json::object{{"residentKey", resident_key_},
                                              {"requireResidentKey", resident_key_ == "required"},
                                              {"userVerification", std::string(to_string(uv_))}}},
      {"attestation", attestation_},
      {"extensions", json::object{{"credProps", true}}}};
  return json::serialize(opts);
}

std::string registration_ceremony::serialize() const {
  record_arena arena;
  const auto sp = arena.storage();
  json::array algs(sp);
  for (auto a : algorithms_) algs.push_back(a);
  json::object o({{"v", 1},
                 {"kind", "registration"},
                 {"challenge", challenge_.to_base64url()},
                 {"rpId", rp_id_.value()},
                 {"userId", user_.id.to_base64url()},
                 {"userName", user_.name},
                 {"userDisplayName", user_.display_name},
                 {"expiresAtMs", to_ms(expires_at_)},
                 {"uv", std::string(to_string(uv_))},
                 {"algs", std::move(algs)},
                 {"conditional", conditional_}},
                 sp);
  return json::serialize(o);
}

result<registration_ceremony> registration_ceremony::restore(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return errc::ceremony_options_invalid;
  const auto* kind = o->if_contains("kind");
  const auto* rp = o->if_contains("rpId");
  const auto* exp = o->if_contains("expiresAtMs");
  const auto* uv = o->if_contains("uv");
  const auto* algs = o->if_contains("algs");
  const auto* name = o->if_contains("userName");
  const auto* dname = o->if_contains("userDisplayName");
  auto chal = b64_member(*o, "challenge");
  auto uid = b64_member(*o, "userId");
  if (!kind || !kind->is_string() || kind->get_string() != "registration" || !rp || !rp->is_string() || !exp ||
      !exp->is_int64() || !uv || !uv->is_string() || !algs || !algs->is_array() || !name || !name->is_string() || !dname || !dname->is_string() || !chal || !uid)
    return errc::ceremony_options_invalid;
  auto uvr = uv_from_string(uv->get_string());
  if (!uvr) return errc::ceremony_options_invalid;
  registration_ceremony c;
  c.challenge_ = core::challenge(std::move(*chal));
  c.rp_id_ = core::rp_id(std::string(rp->get_string()));
  c.user_ = user_entity{core::user_handle(std::move(*uid)), std::string(name->get_string()),
                        std::string(dname->get_string())};
  c.expires_at_ = from_ms(exp->get_int64());
  c.uv_ = *uvr;
  for (const auto& a : algs->get_array()) {
    if (!a.is_int64()) return errc::ceremony_options_invalid;
    c.algorithms_.push_back(static_cast<std::int32_t>(a.get_int64()));
  }
  if (const auto* cond = o->if_contains("conditional")) {
    if (!cond->is_bool()) return errc::ceremony_options_invalid;
    c.conditional_ = cond->get_bool();
  }
  return c;
}

result<authentication_ceremony> begin_authentication(const begin_authentication_options& o) {
  if (o.challenge.size() < k_min_challenge || o.challenge.size() > k_max_challenge) return errc::ceremony_options_invalid;
  if (o.rp_id.value().empty() || o.timeout.count() <= 0) return errc::ceremony_options_invalid;
  if (o.user && (o.user->empty() || o.user->size() > k_max_user_handle)) return errc::ceremony_options_invalid;
  authentication_ceremony c;
  c.challenge_ = o.challenge;
  c.rp_id_ = o.rp_id;
  c.user_ = o.user;
  c.allow_ = o.allow_credentials;
  c.expires_at_ = o.now + o.timeout;
  c.uv_ = o.user_verification;
  c.timeout_ = std::chrono::duration_cast<std::chrono::milliseconds>(o.timeout);
  return c;
}

std::string authentication_ceremony::options_json() const {
  // PublicKeyCredentialRequestOptionsJSON (§5.5.4).
  json::object opts{{"challenge", challenge_.to_base64url()},
                    {"timeout", timeout_.count()},
                    {"rpId", rp_id_.value()},
                    {"allowCredentials", descriptors(allow_)},
                    {"userVerification", std::string(to_string(uv_))}};
  return json::serialize(opts);
}

std::string authentication_ceremony::serialize() const {
  record_arena arena;
  const auto sp = arena.storage();
  json::object o({{"v", 1},
                 {"kind", "authentication"},
                 {"challenge", challenge_.to_base64url()},
                 {"rpId", rp_id_.value()},
                 {"expiresAtMs", to_ms(expires_at_)},
                 {"uv", std::string(to_string(uv_))},
                 {"allow", descriptors(allow_, sp)}},
                 sp);
  if (user_) o["userId"] = user_->to_base64url();
  return json::serialize(o);
}

result<authentication_ceremony> authentication_ceremony::restore(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return errc::ceremony_options_invalid;
  const auto* kind = o->if_contains("kind");
  const auto* rp = o->if_contains("rpId");
  const auto* exp = o->if_contains("expiresAtMs");
  const auto* uv = o->if_contains("uv");
  const auto* allow = o->if_contains("allow");
  auto chal = b64_member(*o, "challenge");
  if (!kind || !kind->is_string() || kind->get_string() != "authentication" || !rp || !rp->is_string() || !exp ||
      !exp->is_int64() || !uv || !uv->is_string() || !allow || !allow->is_array() || !chal)
    return errc::ceremony_options_invalid;
  auto uvr = uv_from_string(uv->get_string());
  if (!uvr) return errc::ceremony_options_invalid;
  authentication_ceremony c;
  c.challenge_ = core::challenge(std::move(*chal));
  c.rp_id_ = core::rp_id(std::string(rp->get_string()));
  c.expires_at_ = from_ms(exp->get_int64());
  c.uv_ = *uvr;
  if (o->contains("userId")) {
    auto uid = b64_member(*o, "userId");
    if (!uid) return errc::ceremony_options_invalid;
    c.user_ = core::user_handle(std::move(*uid));
  }
  for (const auto& d : allow->get_array()) {
    if (!d.is_object()) return errc::ceremony_options_invalid;
    auto id = b64_member(d.get_object(), "id");
    if (!id) return errc::ceremony_options_invalid;
    c.allow_.emplace_back(std::move(*id));
  }
  return c;
}

}  // namespace signet::core
