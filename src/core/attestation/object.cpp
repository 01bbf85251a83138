// Attestation object container (WebAuthn L3 §6.5.4).
#include "signet/core/attestation.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

boost::system::result<attestation_object> parse_attestation_object(byte_view raw) {
  // The container is the one place we accept indefinite lengths: no signature covers it and some
  // clients emit it that way (docs/design.md, "CBOR profile"). authData and attStmt items inside
  // are byte strings / maps whose signed content is checked strictly by their own parsers.
  cbor::decode_options opts;
  opts.allow_indefinite_length = true;
  auto v = cbor::decode_one(raw, opts);
  if (!v) return v.error();
  const cbor::map* m = v->as_map();
  if (!m) return errc::attestation_object_malformed;
  const cbor::value* fmt = cbor::find(*m, "fmt");
  const cbor::value* stmt = cbor::find(*m, "attStmt");
  const cbor::value* ad = cbor::find(*m, "authData");
  if (!fmt || !fmt->as_text() || !stmt || !stmt->as_map() || !ad || !ad->as_bytes())
    return errc::attestation_object_malformed;
  // §6.5.4 defines these three members; others (CTAP's epAtt / largeBlobKey, should a client pass
  // them through) are not covered by any signature and are ignored, as §7.1 step 13 only extracts
  // fmt, authData and attStmt.
  auto parsed = parse_authenticator_data(*ad->as_bytes());
  if (!parsed) return parsed.error();
  attestation_object out;
  out.fmt = *fmt->as_text();
  out.att_stmt = *stmt->as_map();
  out.auth_data_raw = *ad->as_bytes();
  out.auth_data = std::move(*parsed);
  return out;
}

}  // namespace signet::core
