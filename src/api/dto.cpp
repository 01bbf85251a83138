#include "dto.hpp"

#include "signet/core/json_writer.hpp"
#include "signet/service/env.hpp"

namespace signet::api::dto {

using service::errc;
using service::make_error;

std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

service::result<json::object> parse_object(std::string_view body, json::storage_ptr sp) {
  bool blank = true;
  for (char c : body)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') blank = false;
  if (blank) return json::object(sp);
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, sp);
  if (ec) return make_error(errc::invalid_request, "The request body is not valid JSON.");
  if (!v.is_object()) return make_error(errc::invalid_request, "The request body must be a JSON object.");
  return std::move(v.as_object());
}

service::result<std::optional<std::string>> opt_string(const json::object& o, std::string_view key,
                                                       std::size_t max_chars) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return make_error(errc::invalid_request, "`" + std::string(key) + "` must be a string.");
  std::string s(v->as_string());
  if (utf8_length(s) > max_chars)
    return make_error(errc::invalid_request,
                      "`" + std::string(key) + "` must be at most " + std::to_string(max_chars) + " characters.");
  return std::optional<std::string>(std::move(s));
}

service::result<std::optional<bool>> opt_bool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return make_error(errc::invalid_request, "`" + std::string(key) + "` must be a boolean.");
  return std::optional<bool>(v->as_bool());
}

#define SIGNET_TRY_ASSIGN(lhs, expr)  \
  do {                                \
    auto _r = (expr);                 \
    if (!_r) return _r.error();       \
    lhs = std::move(*_r);             \
  } while (0)

service::result<service::registration_options_request> registration_options_request(const json::object& o) {
  service::registration_options_request r;
  SIGNET_TRY_ASSIGN(r.username, opt_string(o, "username"));
  SIGNET_TRY_ASSIGN(r.display_name, opt_string(o, "displayName"));
  std::optional<bool> spc;
  SIGNET_TRY_ASSIGN(spc, opt_bool(o, "securePaymentConfirmation"));
  r.secure_payment_confirmation = spc.value_or(false);
  SIGNET_TRY_ASSIGN(r.instrument_display_name, opt_string(o, "instrumentDisplayName"));
  if (!r.secure_payment_confirmation) r.instrument_display_name.reset();  // §6.1: ignored unless SPC
  SIGNET_TRY_ASSIGN(r.authenticator_attachment, opt_string(o, "authenticatorAttachment"));
  if (r.authenticator_attachment && *r.authenticator_attachment != "platform" &&
      *r.authenticator_attachment != "cross-platform")
    return make_error(errc::invalid_request,
                      "`authenticatorAttachment` must be \"platform\", \"cross-platform\" or null.");
  return r;
}

service::result<service::track_request> track_request(const json::object& o) {
  service::track_request r;
  SIGNET_TRY_ASSIGN(r.scope, opt_string(o, "scope", 1024));
  SIGNET_TRY_ASSIGN(r.username, opt_string(o, "username"));
  SIGNET_TRY_ASSIGN(r.email, opt_string(o, "email"));
  SIGNET_TRY_ASSIGN(r.phone_number, opt_string(o, "phoneNumber"));
  SIGNET_TRY_ASSIGN(r.idempotency_key, opt_string(o, "idempotencyKey"));
  SIGNET_TRY_ASSIGN(r.device_id, opt_string(o, "deviceId"));
  SIGNET_TRY_ASSIGN(r.ip_address, opt_string(o, "ipAddress"));
  SIGNET_TRY_ASSIGN(r.user_agent, opt_string(o, "userAgent", 1024));
  SIGNET_TRY_ASSIGN(r.locale, opt_string(o, "locale"));
  if (const json::value* c = o.if_contains("custom"); c && !c->is_null()) {
    if (!c->is_object()) return make_error(errc::invalid_request, "`custom` must be an object.");
    std::string text = json::serialize(*c);
    if (text.size() > 16 * 1024) return make_error(errc::invalid_request, "`custom` is too large.");
    r.custom_json = std::move(text);
  }
  return r;
}

service::result<service::validate_request> validate_request(const json::object& o) {
  service::validate_request r;
  std::optional<std::string> token;
  SIGNET_TRY_ASSIGN(token, opt_string(o, "token", 8192));
  if (!token || token->empty()) return make_error(errc::invalid_request, "`token` is required.");
  r.token = std::move(*token);
  SIGNET_TRY_ASSIGN(r.user_id, opt_string(o, "userId"));
  SIGNET_TRY_ASSIGN(r.action, opt_string(o, "action"));
  return r;
}

service::result<store::user_patch> user_patch(const json::object& o) {
  store::user_patch p;
  auto text = [&](std::string_view key, std::optional<std::optional<std::string>>& out) -> service::result<void> {
    if (!o.contains(key)) return {};
    auto v = opt_string(o, key);
    if (!v) return v.error();
    out = std::move(*v);  // present-with-null clears
    return {};
  };
  for (auto [key, field] : {std::pair{"email", &p.email}, std::pair{"phoneNumber", &p.phone_number},
                            std::pair{"username", &p.username}, std::pair{"displayName", &p.display_name},
                            std::pair{"locale", &p.locale}}) {
    if (auto r = text(key, *field); !r) return r.error();
  }
  SIGNET_TRY_ASSIGN(p.email_verified, opt_bool(o, "emailVerified"));
  SIGNET_TRY_ASSIGN(p.phone_number_verified, opt_bool(o, "phoneNumberVerified"));
  if (const json::value* c = o.if_contains("custom")) {
    if (c->is_null()) {
      p.custom_json = std::optional<std::string>();
    } else if (c->is_object()) {
      for (const auto& kv : c->as_object())
        if (!kv.value().is_string() && !kv.value().is_number() && !kv.value().is_bool())
          return make_error(errc::invalid_request, "`custom` values must be strings, numbers or booleans.");
      std::string t = json::serialize(*c);
      if (t.size() > 16 * 1024) return make_error(errc::invalid_request, "`custom` is too large.");
      p.custom_json = std::optional<std::string>(std::move(t));
    } else {
      return make_error(errc::invalid_request, "`custom` must be an object.");
    }
  }
  return p;
}

service::result<service::add_passkey_request> add_passkey_request(const json::object& o) {
  service::add_passkey_request r;
  const json::value* cred = o.if_contains("registrationCredential");
  if (!cred || !cred->is_object())
    return make_error(errc::invalid_request, "`registrationCredential` must be an object.");
  r.credential_json = json::serialize(*cred);
  SIGNET_TRY_ASSIGN(r.challenge_id, opt_string(o, "challengeId"));
  std::optional<bool> cc;
  SIGNET_TRY_ASSIGN(cc, opt_bool(o, "conditionalCreate"));
  r.conditional_create = cc.value_or(false);
  SIGNET_TRY_ASSIGN(r.device_id, opt_string(o, "deviceId"));
  return r;
}

service::add_passkey_request bare_registration(std::string_view body) {
  service::add_passkey_request r;
  r.credential_json = std::string(body);
  return r;
}

service::result<service::authentication_options_request> authentication_options_request(const json::object& o) {
  service::authentication_options_request r;
  SIGNET_TRY_ASSIGN(r.challenge_id, opt_string(o, "challengeId"));
  SIGNET_TRY_ASSIGN(r.username, opt_string(o, "username"));
  std::optional<bool> spc;
  SIGNET_TRY_ASSIGN(spc, opt_bool(o, "securePaymentConfirmation"));
  r.secure_payment_confirmation = spc.value_or(false);
  return r;
}

service::result<service::verify_passkey_request> verify_passkey_request(const json::object& o) {
  service::verify_passkey_request r;
  const json::value* cred = o.if_contains("authenticationCredential");
  if (!cred || !cred->is_object())
    return make_error(errc::invalid_request, "`authenticationCredential` must be an object.");
  r.credential_json = json::serialize(*cred);
  SIGNET_TRY_ASSIGN(r.challenge_id, opt_string(o, "challengeId"));
  SIGNET_TRY_ASSIGN(r.device_id, opt_string(o, "deviceId"));
  return r;
}

#undef SIGNET_TRY_ASSIGN

namespace {
// PublicKeyCredentialDescriptorJSON (WebAuthn L3 §5.10.3).
void write_descriptors(core::json_writer& w, const std::vector<service::credential_descriptor>& list) {
  w.begin_array();
  for (const auto& c : list) {
    w.begin_object().member("id", c.id.to_base64url()).member("type", "public-key");
    if (!c.transports.empty()) {
      w.key("transports").begin_array();
      for (const auto& t : c.transports) w.string(t);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
}

// PublicKeyCredentialRequestOptionsJSON (§5.5.4).
void write_request_options(core::json_writer& w, const service::request_options& o) {
  w.begin_object().member("challenge", o.challenge.to_base64url()).member("rpId", o.rp_id);
  w.member("timeout", std::int64_t{o.timeout_ms}).member("userVerification", o.user_verification);
  write_descriptors(w.key("allowCredentials"), o.allow_credentials);
  w.end_object();
}

// PublicKeyCredentialCreationOptionsJSON (§5.1.10).
void write_creation_options(core::json_writer& w, const service::creation_options& o) {
  w.begin_object().member("challenge", o.challenge.to_base64url());
  w.key("rp").begin_object().member("id", o.rp_id).member("name", o.rp_name).end_object();
  w.key("user").begin_object().member("id", o.user_id.to_base64url()).member("name", o.user_name);
  w.member("displayName", o.user_display_name).end_object();
  w.key("pubKeyCredParams").begin_array();
  for (auto alg : o.algorithms) w.begin_object().member("type", "public-key").member("alg", std::int64_t{alg}).end_object();
  w.end_array();
  w.member("timeout", std::int64_t{o.timeout_ms}).member("attestation", o.attestation);
  write_descriptors(w.key("excludeCredentials"), o.exclude_credentials);
  w.key("authenticatorSelection").begin_object();
  if (o.authenticator_attachment) w.member("authenticatorAttachment", *o.authenticator_attachment);
  w.member("residentKey", o.resident_key).member("requireResidentKey", o.require_resident_key);
  w.member("userVerification", o.user_verification).end_object();
  w.key("extensions").begin_object();
  if (o.cred_props) w.member("credProps", true);
  if (o.payment) w.key("payment").begin_object().member("isPayment", true).end_object();
  w.end_object();
  w.end_object();
}
}  // namespace

std::string request_options_json(const service::request_options& o, bool bare) {
  std::string out;
  out.reserve(256 + 160 * o.allow_credentials.size());
  core::json_writer w(out);
  if (bare) {
    write_request_options(w, o);
    return out;
  }
  w.begin_object().member("challengeId", o.challenge_id);
  write_request_options(w.key("options"), o);
  if (o.spc) {
    w.key("paymentInstruments").begin_array();
    for (const auto& [id, name] : o.payment_instruments)
      w.begin_object().member("credentialId", id.to_base64url()).member("displayName", name).end_object();
    w.end_array();
    if (o.payment) {
      w.key("payment").begin_object().member("amount", *o.payment->amount).member("currency", *o.payment->currency);
      if (o.payment->payee_name) w.member("payeeName", *o.payment->payee_name);
      if (o.payment->payee_origin) w.member("payeeOrigin", *o.payment->payee_origin);
      w.end_object();
    }
  }
  w.end_object();
  return out;
}

std::string creation_options_json(const service::creation_options& o, bool bare) {
  std::string out;
  out.reserve(768 + 160 * o.exclude_credentials.size());
  core::json_writer w(out);
  if (bare) {
    write_creation_options(w, o);
    return out;
  }
  w.begin_object().member("challengeId", o.challenge_id);
  write_creation_options(w.key("options"), o);
  w.end_object();
  return out;
}

json::object verify_result(const service::verify_passkey_result& r) {
  json::object o{{"isVerified", true},
                 {"accessToken", r.access_token},
                 {"userId", r.user_id},
                 {"userAuthenticatorId", r.authenticator_id}};
  if (r.username) o["username"] = *r.username;
  if (r.display_name) o["userDisplayName"] = *r.display_name;
  return o;
}

json::object authenticator_server(const store::authenticator& a) {
  const bool key = a.verification_method == "SECURITY_KEY";
  json::object cred;
  cred["credentialId"] = a.credential_id.to_base64url();
  if (a.device_id) cred["deviceId"] = *a.device_id;
  cred["name"] = key ? "Security key" : "Passkey";
  cred["aaguid"] = a.aaguid;
  cred["credentialBackedUp"] = a.backup_state;
  cred["credentialDeviceType"] = a.backup_eligible ? "multiDevice" : "singleDevice";
  if (a.authenticator_attachment) cred["authenticatorAttachment"] = *a.authenticator_attachment;
  if (a.user_agent) cred["parsedUserAgent"] = json::object{{"ua", *a.user_agent}};
  cred["verifiedAt"] = service::iso8601(a.verified_at);
  if (!a.transports.empty()) {
    json::array t;
    for (const auto& s : a.transports) t.push_back(json::string(s));
    cred["transports"] = std::move(t);
  }
  if (a.payment_capable) {
    cred["securePaymentConfirmation"] = true;
    if (a.instrument_display_name) cred["instrumentDisplayName"] = *a.instrument_display_name;
  }
  json::object o;
  o["userId"] = a.user_id;
  o["userAuthenticatorId"] = a.id;
  o["verificationMethod"] = a.verification_method;
  o["createdAt"] = service::iso8601(a.created_at);
  o["verifiedAt"] = service::iso8601(a.verified_at);
  if (a.last_verified_at) o["lastVerifiedAt"] = service::iso8601(*a.last_verified_at);
  if (a.username) o["username"] = *a.username;
  if (a.display_name) o["displayName"] = *a.display_name;
  o["webauthnCredential"] = std::move(cred);
  return o;
}

json::object authenticator_client(const store::authenticator& a, bool is_default) {
  json::object o = authenticator_server(a);
  o.erase("userId");
  o["isDefault"] = is_default;
  return o;
}

json::object action(const store::action& a) {
  json::object o;
  o["state"] = a.state;
  o["stateUpdatedAt"] = service::iso8601(a.state_updated_at);
  o["createdAt"] = service::iso8601(a.created_at);
  if (a.verification_method) o["verificationMethod"] = *a.verification_method;
  o["ruleIds"] = json::array();
  o["rules"] = json::array();
  o["output"] = json::object();
  return o;
}

json::object action_summary(const store::action& a) {
  json::object o;
  o["actionCode"] = a.action_code;
  o["idempotencyKey"] = a.idempotency_key;
  o["createdAt"] = service::iso8601(a.created_at);
  o["updatedAt"] = service::iso8601(a.updated_at);
  o["state"] = a.state;
  o["stateUpdatedAt"] = service::iso8601(a.state_updated_at);
  if (a.verification_method) o["verificationMethod"] = *a.verification_method;
  if (a.verified_by_authenticator_id) o["verifiedByAuthenticatorId"] = *a.verified_by_authenticator_id;
  if (a.user_agent) o["userAgent"] = *a.user_agent;
  if (a.ip_address) o["ipAddress"] = *a.ip_address;
  return o;
}

json::object track_result(const service::track_result& r) {
  json::object o;
  o["state"] = r.state;
  o["idempotencyKey"] = r.idempotency_key;
  o["token"] = r.token;
  o["url"] = r.url;
  o["isEnrolled"] = r.is_enrolled;
  json::array enrolled, allowed;
  for (const auto& m : r.enrolled_methods) enrolled.push_back(json::string(m));
  for (const auto& m : r.allowed_methods) allowed.push_back(json::string(m));
  o["enrolledVerificationMethods"] = std::move(enrolled);
  o["allowedVerificationMethods"] = std::move(allowed);
  if (r.default_method) o["defaultVerificationMethod"] = *r.default_method;
  o["ruleIds"] = json::array();
  return o;
}

json::object validate_result(const service::validate_result& r) {
  json::object o;
  o["isValid"] = r.is_valid;
  o["state"] = r.state;
  o["stateUpdatedAt"] = service::iso8601(r.state_updated_at);
  o["userId"] = r.user_id;
  o["actionCode"] = r.action_code;
  o["action"] = r.action_code;
  o["idempotencyKey"] = r.idempotency_key;
  if (r.verification_method) o["verificationMethod"] = *r.verification_method;
  return o;
}

namespace {
void put_opt(json::object& o, std::string_view key, const std::optional<std::string>& v) {
  if (v) o[key] = *v;
}
json::value parse_custom(const std::optional<std::string>& text) {
  if (!text) return json::object();
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  return ec ? json::value(json::object()) : v;
}
}  // namespace

json::object user_attributes(const store::user& u) {
  json::object o;
  put_opt(o, "email", u.email);
  o["emailVerified"] = u.email_verified;
  put_opt(o, "phoneNumber", u.phone_number);
  o["phoneNumberVerified"] = u.phone_number_verified;
  put_opt(o, "username", u.username);
  put_opt(o, "displayName", u.display_name);
  if (u.custom_json) o["custom"] = parse_custom(u.custom_json);
  put_opt(o, "locale", u.locale);
  return o;
}

json::object user(const service::user_view& v) {
  json::object o;
  o["isEnrolled"] = v.is_enrolled;
  if (v.exists) {
    put_opt(o, "email", v.user.email);
    put_opt(o, "phoneNumber", v.user.phone_number);
    put_opt(o, "username", v.user.username);
    put_opt(o, "displayName", v.user.display_name);
    if (v.user.custom_json) o["custom"] = parse_custom(v.user.custom_json);
    put_opt(o, "locale", v.user.locale);
  }
  o["emailVerified"] = v.exists && v.user.email_verified;
  o["phoneNumberVerified"] = v.exists && v.user.phone_number_verified;
  json::array enrolled, allowed;
  for (const auto& m : v.enrolled_methods) enrolled.push_back(json::string(m));
  for (const auto& m : v.allowed_methods) allowed.push_back(json::string(m));
  o["enrolledVerificationMethods"] = std::move(enrolled);
  o["allowedVerificationMethods"] = std::move(allowed);
  if (v.default_method) o["defaultVerificationMethod"] = *v.default_method;
  return o;
}

json::object user_summary(const service::user_view& v) {
  json::object o;
  o["userId"] = v.user.user_id;
  put_opt(o, "email", v.user.email);
  o["emailVerified"] = v.user.email_verified;
  put_opt(o, "phoneNumber", v.user.phone_number);
  o["phoneNumberVerified"] = v.user.phone_number_verified;
  put_opt(o, "username", v.user.username);
  put_opt(o, "displayName", v.user.display_name);
  o["isEnrolled"] = v.is_enrolled;
  json::array enrolled;
  for (const auto& m : v.enrolled_methods) enrolled.push_back(json::string(m));
  o["enrolledVerificationMethods"] = std::move(enrolled);
  o["createdAt"] = service::iso8601(v.user.created_at);
  return o;
}

}  // namespace signet::api::dto
