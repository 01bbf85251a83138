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
  if (!fmt || !fmt->as_text() || !stmt || !ad || !ad->as_bytes()) return errc::attestation_object_malformed;
  std::vector<std::pair<std::string, cbor::map>> compound;
  if (*fmt->as_text() == "compound") {
    // §8.9: attStmt is an array of at least two {fmt, attStmt} maps, none of them compound.
    const cbor::array* list = stmt->as_array();
    if (!list || list->size() < 2) return errc::attestation_statement_malformed;
    for (const auto& item : *list) {
      const cbor::map* inner = item.as_map();
      if (!inner || inner->size() != 2) return errc::attestation_statement_malformed;
      const cbor::value* ifmt = cbor::find(*inner, "fmt");
      const cbor::value* istmt = cbor::find(*inner, "attStmt");
      if (!ifmt || !ifmt->as_text() || !istmt || !istmt->as_map()) return errc::attestation_statement_malformed;
      if (*ifmt->as_text() == "compound") return errc::attestation_statement_malformed;
      compound.emplace_back(*ifmt->as_text(), *istmt->as_map());
    }
  } else if (!stmt->as_map()) {
    return errc::attestation_object_malformed;
  }
  // §6.5.4 defines these three members; others (CTAP's epAtt / largeBlobKey, should a client pass
  // them through) are not covered by any signature and are ignored, as §7.1 step 13 only extracts
  // fmt, authData and attStmt.
  auto parsed = parse_authenticator_data(*ad->as_bytes());
  if (!parsed) return parsed.error();
  attestation_object out;
  out.fmt = *fmt->as_text();
  if (const cbor::map* sm = stmt->as_map()) out.att_stmt = *sm;
  out.compound = std::move(compound);
  out.auth_data_raw = *ad->as_bytes();
  out.auth_data = std::move(*parsed);
  return out;
}

}  // namespace signet::core
