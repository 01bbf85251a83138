#include "wire_checks.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "signet/core/errc.hpp"

namespace signet::service::detail {
namespace json = boost::json;

core::user_verification_requirement uv_requirement(std::string_view s) noexcept {
  if (s == "required") return core::user_verification_requirement::required;
  if (s == "discouraged") return core::user_verification_requirement::discouraged;
  return core::user_verification_requirement::preferred;
}

namespace {

result<credential_shape> check_shape(std::string_view text, std::initializer_list<std::string_view> response_fields,
                                     std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const std::string msg = "`" + std::string(what) + "` must be a credential object with string id, rawId, type and response members.";
  if (ec || !v.is_object()) return make_error(errc::invalid_request, msg);
  const auto& o = v.as_object();
  for (const char* k : {"id", "rawId", "type"}) {
    const auto* f = o.if_contains(k);
    if (!f || !f->is_string()) return make_error(errc::invalid_request, msg);
  }
  const auto* r = o.if_contains("response");
  if (!r || !r->is_object()) return make_error(errc::invalid_request, msg);
  for (auto k : response_fields) {
    const auto* f = r->as_object().if_contains(k);
    if (!f || !f->is_string())
      return make_error(errc::invalid_request, "`response." + std::string(k) + "` must be a string.");
  }
  credential_shape s;
  s.id = std::string(o.at("id").as_string());
  s.raw_id = std::string(o.at("rawId").as_string());
  s.type = std::string(o.at("type").as_string());
  // The challenge, for ceremonies sent without a challengeId (read leniently; core re-checks it).
  if (auto cd = core::base64url_decode(std::string_view(r->as_object().at("clientDataJSON").as_string()))) {
    boost::system::error_code ec2;
    json::value c = json::parse(core::as_chars(*cd), ec2);
    if (!ec2 && c.is_object())
      if (const auto* ch = c.as_object().if_contains("challenge"); ch && ch->is_string())
        s.challenge = std::string(ch->as_string());
  }
  return s;
}

}  // namespace

result<credential_shape> check_registration_shape(std::string_view json_text) {
  return check_shape(json_text, {"clientDataJSON", "attestationObject"}, "registrationCredential");
}

result<credential_shape> check_authentication_shape(std::string_view json_text) {
  return check_shape(json_text, {"clientDataJSON", "authenticatorData", "signature"}, "authenticationCredential");
}

error challenge_unusable() {
  return make_error(errc::invalid_request,
                    "The challenge is unknown, expired, already used, or belongs to another ceremony.");
}

result<store::challenge> take_bound_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                              std::string_view type, const std::optional<std::string>& challenge_id,
                                              std::string_view client_challenge, const bearer_context* bearer,
                                              time_point now, const challenge_check& accept) {
  auto bound = [&](const store::challenge& ch) {
    if (ch.type != type) return false;
    if (!bearer) return true;
    return ch.user_id == bearer->user.user_id && ch.action_code == bearer->action.action_code &&
           ch.idempotency_key == bearer->action.idempotency_key;
  };
  std::optional<store::challenge> taken;
  if (challenge_id) {
    // Checked and consumed in one store transaction: a challenge of another ceremony, user or action
    // is left unconsumed, and `accept` may refuse it with its own error.
    std::optional<error> refused;
    taken = challenges.take_challenge_if(tenant_id, *challenge_id, now, [&](const store::challenge& ch) {
      if (ch.type != type) return false;
      if (accept) refused = accept(ch);
      return !refused && bound(ch);
    });
    if (refused) return std::move(*refused);
  } else {
    // Found by its bytes: consumed first (the bytes are the only key), then checked.
    auto value = core::base64url_decode(client_challenge);
    if (client_challenge.empty() || !value) return make_error(errc::invalid_request, "`challengeId` is required.");
    taken = challenges.take_challenge_by_value(tenant_id, type, *value, now);
    if (taken && accept)
      if (auto e = accept(*taken)) return std::move(*e);
    if (taken && !bound(*taken)) return challenge_unusable();
  }
  if (!taken) return challenge_unusable();
  return std::move(*taken);
}

consume_unless_committed::~consume_unless_committed() {
  if (id_.empty()) return;
  try {
    challenges_.take_challenge(tenant_id_, id_, now_);
  } catch (const std::exception& e) {
    // The store is failing: the request fails with it; the challenge still expires on its own.
    spdlog::warn("could not consume challenge {} after a failed ceremony: {}", id_, e.what());
  }
}

bool consume_unless_committed::gone() const {
  return !id_.empty() && !challenges_.peek_challenge(tenant_id_, id_, now_);
}

result<store::challenge> peek_bound_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                              std::string_view type, std::string_view challenge_id,
                                              const bearer_context* bearer, time_point now,
                                              const challenge_check& accept) {
  auto seen = challenges.peek_challenge(tenant_id, challenge_id, now);
  if (!seen || seen->type != type) return challenge_unusable();
  if (accept)
    if (auto e = accept(*seen)) return std::move(*e);
  if (bearer && !(seen->user_id == bearer->user.user_id && seen->action_code == bearer->action.action_code &&
                  seen->idempotency_key == bearer->action.idempotency_key))
    return challenge_unusable();
  return std::move(*seen);
}

result<store::challenge> check_or_take_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                                 std::string_view type, const std::optional<std::string>& challenge_id,
                                                 std::string_view client_challenge, const bearer_context* bearer,
                                                 time_point now, const challenge_check& accept) {
  if (challenge_id) return peek_bound_challenge(challenges, tenant_id, type, *challenge_id, bearer, now, accept);
  return take_bound_challenge(challenges, tenant_id, type, std::nullopt, client_challenge, bearer, now, accept);
}

result<void> check_credential_identity(const credential_shape& s, std::string_view ceremony_kind,
                                       std::string_view ceremony_id) {
  if (s.type != "public-key") {
    spdlog::info("{} rejected: ceremony={} code=response_type_invalid", ceremony_kind, ceremony_id);
    return make_error(errc::invalid_credential, "`type` must be \"public-key\".");
  }
  // The browser sets both from the same bytes; a difference means the body was edited.
  if (s.id != s.raw_id) {
    spdlog::info("{} rejected: ceremony={} code=response_id_mismatch", ceremony_kind, ceremony_id);
    return make_error(errc::invalid_credential, "`id` must equal `rawId`.");
  }
  return {};
}

error credential_error(std::string_view ceremony_kind, std::string_view ceremony_id, boost::system::error_code ec) {
  std::string code = ec.category() == core::core_category()
                         ? std::string(core::to_string(static_cast<core::errc>(ec.value())))
                         : ec.message();
  spdlog::info("{} rejected: ceremony={} code={}", ceremony_kind, ceremony_id, code);
  return make_error(errc::invalid_credential, "WebAuthn verification failed (" + code + ").");
}

}  // namespace signet::service::detail
