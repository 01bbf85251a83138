// begin_registration / begin_authentication and ceremony (de)serialisation.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "signet/core/ceremony.hpp"
#include "signet/core/json_writer.hpp"
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

// Reads a base64url string member; nullopt when absent or invalid.
std::optional<bytes> b64_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return base64url_decode(v->get_string());
}

// A version 2 record says so; version 1 had "v":1.
bool is_version_2(const json::object& o) {
  const auto* v = o.if_contains("v");
  return v && v->is_int64() && v->get_int64() == 2;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.get_object();
}


// What both kinds of stored text hold: kind, rp id, expiry, UV and challenge, under version 2's short
// keys or version 1's long ones. nullopt when one is missing, of the wrong type or not `kind`.
struct stored_header {
  bool v2 = false;
  core::challenge challenge;
  core::rp_id rp_id;
  std::chrono::system_clock::time_point expires_at;
  user_verification_requirement uv = user_verification_requirement::required;
};

std::optional<stored_header> read_header(const json::object& o, std::string_view kind_v2, std::string_view kind_v1) {
  stored_header h;
  h.v2 = is_version_2(o);
  const auto* kind = o.if_contains(h.v2 ? "k" : "kind");
  const auto* rp = o.if_contains(h.v2 ? "rp" : "rpId");
  const auto* exp = o.if_contains(h.v2 ? "e" : "expiresAtMs");
  const auto* uv = o.if_contains("uv");
  auto chal = b64_member(o, h.v2 ? "c" : "challenge");
  if (!kind || !kind->is_string() || kind->get_string() != (h.v2 ? kind_v2 : kind_v1) || !rp || !rp->is_string() ||
      !exp || !exp->is_int64() || !uv || !uv->is_string() || !chal)
    return std::nullopt;
  auto uvr = uv_from_string(uv->get_string());
  if (!uvr) return std::nullopt;
  h.challenge = core::challenge(std::move(*chal));
  h.rp_id = core::rp_id(std::string(rp->get_string()));
  h.expires_at = from_ms(exp->get_int64());
  h.uv = *uvr;
  return h;
}

// restore(text) of either kind: the text parsed, then restore(object).
template <class Ceremony>
result<Ceremony> restore_text(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return errc::ceremony_options_invalid;
  return Ceremony::restore(*o);
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

// The stored text (version 2): short keys, written directly, nothing that has a default. A restored
// ceremony is rebuilt from it alone. Version 1 (long keys, every member) is still read: challenges
// stored before an upgrade stay usable until they expire.
//   {"v":2,"k":"r","c":challenge,"rp":rpId,"u":userId,"n":userName[,"d":userDisplayName when not
//    userName],"e":expiresAtMs,"uv":uv[,"a":[algs] when not every supported one][,"cd":true]}
// Without "a" the restored ceremony accepts every algorithm supported when it is restored: a release
// that changes that set applies it to the challenges stored before it (at most their 10 minutes).
std::string registration_ceremony::serialize() const {
  std::string out;
  out.reserve(192 + user_.name.size() + user_.display_name.size() + rp_id_.value().size());
  json_writer w(out);
  w.begin_object().member("v", std::int64_t{2}).member("k", "r");
  w.member("c", challenge_.to_base64url()).member("rp", rp_id_.value()).member("u", user_.id.to_base64url());
  w.member("n", user_.name);
  if (user_.display_name != user_.name) w.member("d", user_.display_name);
  w.member("e", to_ms(expires_at_)).member("uv", to_string(uv_));
  const auto supported = supported_credential_algorithms();
  if (!std::equal(algorithms_.begin(), algorithms_.end(), supported.begin(), supported.end())) {
    w.key("a").begin_array();
    for (auto a : algorithms_) w.number(a);
    w.end_array();
  }
  if (conditional_) w.member("cd", true);
  w.end_object();
  return out;
}

result<registration_ceremony> registration_ceremony::restore(std::string_view text) {
  return restore_text<registration_ceremony>(text);
}

result<registration_ceremony> registration_ceremony::restore(const json::object& o) {
  auto h = read_header(o, "r", "registration");
  if (!h) return errc::ceremony_options_invalid;
  const bool v2 = h->v2;
  const auto* algs = o.if_contains(v2 ? "a" : "algs");
  const auto* name = o.if_contains(v2 ? "n" : "userName");
  const auto* dname = o.if_contains(v2 ? "d" : "userDisplayName");
  auto uid = b64_member(o, v2 ? "u" : "userId");
  if (v2 && !dname) dname = name;  // written only when it differs from the name
  if ((!algs && !v2) || (algs && !algs->is_array()) || !name || !name->is_string() || !dname ||
      !dname->is_string() || !uid)
    return errc::ceremony_options_invalid;
  registration_ceremony c;
  c.challenge_ = std::move(h->challenge);
  c.rp_id_ = std::move(h->rp_id);
  c.user_ = user_entity{core::user_handle(std::move(*uid)), std::string(name->get_string()),
                        std::string(dname->get_string())};
  c.expires_at_ = h->expires_at;
  c.uv_ = h->uv;
  if (algs) {
    for (const auto& a : algs->get_array()) {
      if (!a.is_int64()) return errc::ceremony_options_invalid;
      c.algorithms_.push_back(static_cast<std::int32_t>(a.get_int64()));
    }
  } else {
    const auto supported = supported_credential_algorithms();
    c.algorithms_.assign(supported.begin(), supported.end());
  }
  if (const auto* cond = o.if_contains(v2 ? "cd" : "conditional")) {
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

// Version 2, as registration's:
//   {"v":2,"k":"a","c":challenge,"rp":rpId,"e":expiresAtMs,"uv":uv[,"u":userId][,"al":[ids]]}
// Version 1 had "kind", "challenge", "rpId", "expiresAtMs", "allow" (descriptors) and "userId".
std::string authentication_ceremony::serialize() const {
  std::string out;
  out.reserve(160 + rp_id_.value().size() + 48 * allow_.size());
  json_writer w(out);
  w.begin_object().member("v", std::int64_t{2}).member("k", "a");
  w.member("c", challenge_.to_base64url()).member("rp", rp_id_.value());
  w.member("e", to_ms(expires_at_)).member("uv", to_string(uv_));
  if (user_) w.member("u", user_->to_base64url());
  if (!allow_.empty()) {
    w.key("al").begin_array();
    for (const auto& id : allow_) w.string(id.to_base64url());
    w.end_array();
  }
  w.end_object();
  return out;
}

result<authentication_ceremony> authentication_ceremony::restore(std::string_view text) {
  return restore_text<authentication_ceremony>(text);
}

result<authentication_ceremony> authentication_ceremony::restore(const json::object& o) {
  auto h = read_header(o, "a", "authentication");
  if (!h) return errc::ceremony_options_invalid;
  const bool v2 = h->v2;
  const auto* allow = o.if_contains(v2 ? "al" : "allow");
  if ((!allow && !v2) || (allow && !allow->is_array())) return errc::ceremony_options_invalid;
  authentication_ceremony c;
  c.challenge_ = std::move(h->challenge);
  c.rp_id_ = std::move(h->rp_id);
  c.expires_at_ = h->expires_at;
  c.uv_ = h->uv;
  const char* user_key = v2 ? "u" : "userId";
  if (o.contains(user_key)) {
    auto uid = b64_member(o, user_key);
    if (!uid) return errc::ceremony_options_invalid;
    c.user_ = core::user_handle(std::move(*uid));
  }
  if (allow) {
    for (const auto& d : allow->get_array()) {
      // Version 2: the id itself; version 1: a descriptor {"type","id"}.
      std::optional<bytes> id;
      if (v2 && d.is_string())
        id = base64url_decode(d.get_string());
      else if (!v2 && d.is_object())
        id = b64_member(d.get_object(), "id");
      if (!id) return errc::ceremony_options_invalid;
      c.allow_.emplace_back(std::move(*id));
    }
  }
  return c;
}

}  // namespace signet::core
