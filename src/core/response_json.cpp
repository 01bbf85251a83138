// RegistrationResponseJSON / AuthenticationResponseJSON (WebAuthn L3 §5.1.8, §5.1.9) from the wire.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "limits.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

using boost::system::result;

namespace {

result<boost::json::value> parse_json(std::string_view text) {
  if (text.empty() || text.size() > limits::response_json_max) return errc::response_malformed;
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec || !v.is_object()) return errc::response_malformed;
  return v;
}

// A required base64url member of `o`.
result<bytes> required_b64(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return errc::response_malformed;
  auto b = base64url_decode(v->get_string());
  if (!b) return errc::response_encoding_invalid;
  return std::move(*b);
}

// base64url where the unused low bits of the final character may be non-zero: they are cleared
// before the strict decoder runs. Everything else (alphabet, length, padding) stays strict.
std::optional<bytes> decode_tolerating_unused_bits(std::string_view in) {
  if (auto b = base64url_decode(in)) return b;
  std::string s(in);
  while (!s.empty() && s.back() == '=') s.pop_back();
  const std::size_t rem = s.size() % 4;
  if (rem != 2 && rem != 3) return std::nullopt;
  static constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto idx = k_alphabet.find(s.back());
  if (idx == std::string_view::npos) return std::nullopt;
  const std::size_t mask = rem == 2 ? 0x30 : 0x3c;  // bits that carry data in the last character
  s.back() = k_alphabet[idx & mask];
  return base64url_decode(s);
}

// Members common to both responses: id, rawId, type, authenticatorAttachment, clientExtensionResults.
struct common_fields {
  std::string id;
  credential_id raw_id;
  std::optional<std::string> attachment;
  const boost::json::object* response = nullptr;
  const boost::json::object* extensions = nullptr;
};

result<common_fields> parse_common(const boost::json::object& o) {
  common_fields out;
  const auto* id = o.if_contains("id");
  if (!id || !id->is_string()) return errc::response_malformed;
  out.id = std::string(id->get_string());
  // rawId: strict base64url, except that non-zero unused bits in the last character are tolerated
  // (Node's Buffer and other encoders do not canonicalise; RFC 4648 §3.5 lets decoders accept it).
  const auto* raw_v = o.if_contains("rawId");
  if (!raw_v || !raw_v->is_string()) return errc::response_malformed;
  auto raw = decode_tolerating_unused_bits(raw_v->get_string());
  if (!raw) return errc::response_encoding_invalid;
  // Length is not capped here: registration ignores rawId (the id comes from authData, where
  // §7.1 step 26 caps it) and an over-long id matches no stored credential at login.
  if (raw->empty()) return errc::response_malformed;
  out.raw_id = credential_id(std::move(*raw));
  // §5.1: type is "public-key".
  const auto* type = o.if_contains("type");
  if (!type || !type->is_string()) return errc::response_malformed;
  if (type->get_string() != "public-key") return errc::response_type_invalid;
  if (const auto* att = o.if_contains("authenticatorAttachment"); att && !att->is_null()) {
    if (!att->is_string()) return errc::response_malformed;
    out.attachment = std::string(att->get_string());
  }
  const auto* resp = o.if_contains("response");
  if (!resp || !resp->is_object()) return errc::response_malformed;
  out.response = &resp->get_object();
  // clientExtensionResults is required by the JSON type, but older clients omit it: treat as {}.
  if (const auto* ext = o.if_contains("clientExtensionResults"); ext && !ext->is_null()) {
    if (!ext->is_object()) return errc::response_malformed;
    out.extensions = &ext->get_object();
  }
  return out;
}

bool appid_result(const boost::json::object* ext) {
  if (!ext) return false;
  const auto* a = ext->if_contains("appid");
  return a && a->is_bool() && a->get_bool();
}

}  // namespace

result<registration_response> parse_registration_response_json(std::string_view json) {
  auto v = parse_json(json);
  if (!v) return v.error();
  auto c = parse_common(v->get_object());
  if (!c) return c.error();
  registration_response out;
  auto cdj = required_b64(*c->response, "clientDataJSON");
  if (!cdj) return cdj.error();
  auto ao = required_b64(*c->response, "attestationObject");
  if (!ao) return ao.error();
  if (const auto* tr = c->response->if_contains("transports"); tr && !tr->is_null()) {
    if (!tr->is_array()) return errc::response_malformed;
    for (const auto& t : tr->get_array()) {
      if (!t.is_string()) return errc::response_malformed;
      out.transports.emplace_back(t.get_string());
    }
  }
  // publicKey / publicKeyAlgorithm / authenticatorData are convenience copies of what the
  // attestation object carries; we always read the attestation object and ignore them.
  out.id = std::move(c->id);
  out.raw_id = std::move(c->raw_id);
  out.client_data_json = std::move(*cdj);
  out.attestation_object = std::move(*ao);
  out.authenticator_attachment = std::move(c->attachment);
  out.appid_extension = appid_result(c->extensions);
  if (c->extensions) {
    if (const auto* cp = c->extensions->if_contains("credProps"); cp && cp->is_object()) {
      if (const auto* rk = cp->get_object().if_contains("rk"); rk && rk->is_bool()) {
        out.cred_props_rk_known = true;
        out.cred_props_rk = rk->get_bool();
      }
    }
  }
  return out;
}

result<authentication_response> parse_authentication_response_json(std::string_view json) {
  auto v = parse_json(json);
  if (!v) return v.error();
  auto c = parse_common(v->get_object());
  if (!c) return c.error();
  authentication_response out;
  auto cdj = required_b64(*c->response, "clientDataJSON");
  if (!cdj) return cdj.error();
  auto ad = required_b64(*c->response, "authenticatorData");
  if (!ad) return ad.error();
  auto sig = required_b64(*c->response, "signature");
  if (!sig) return sig.error();
  if (const auto* uh = c->response->if_contains("userHandle"); uh && !uh->is_null()) {
    if (!uh->is_string()) return errc::response_malformed;
    auto h = base64url_decode(uh->get_string());
    if (!h) return errc::response_encoding_invalid;
    if (h->size() > 64) return errc::response_malformed;  // §5.4.3: user handle is at most 64 bytes
    // Some authenticators return an empty userHandle for non-discoverable credentials: absent.
    if (!h->empty()) out.user_handle = core::user_handle(std::move(*h));
  }
  out.id = std::move(c->id);
  out.raw_id = std::move(c->raw_id);
  out.client_data_json = std::move(*cdj);
  out.authenticator_data = std::move(*ad);
  out.signature = std::move(*sig);
  out.authenticator_attachment = std::move(c->attachment);
  out.appid_extension = appid_result(c->extensions);
  return out;
}

}  // namespace signet::core
