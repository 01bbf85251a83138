// Authenticator data (WebAuthn L3 §6.1, attested credential data §6.5.2).
#include "signet/core/authenticator_data.hpp"

#include <algorithm>

#include "bytes/reader.hpp"
#include "limits.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

boost::system::result<authenticator_data> parse_authenticator_data(byte_view raw) {
  if (raw.size() < limits::auth_data_min) return errc::auth_data_too_short;
  byte_reader r(raw);
  authenticator_data out;
  // §6.1: rpIdHash (32) | flags (1) | signCount (4, big-endian)
  auto rp = r.take(32);
  auto fl = r.u8();
  auto sc = r.u32be();
  if (!rp || !fl || !sc) return errc::auth_data_too_short;
  std::copy(rp->begin(), rp->end(), out.rp_id_hash.begin());
  out.flags = *fl;
  out.sign_count = *sc;

  // §6.1: bit 4 (BS) may only be set when bit 3 (BE) is set.
  if ((out.flags & flags::bs) && !(out.flags & flags::be)) return errc::auth_data_backup_state_without_eligible;

  if (out.flags & flags::at) {
    // §6.5.2: aaguid (16) | credentialIdLength (2) | credentialId | credentialPublicKey (COSE_Key)
    auto ag = r.take(16);
    auto len = r.u16be();
    if (!ag || !len) return errc::auth_data_too_short;
    if (*len > limits::credential_id_max) return errc::auth_data_credential_id_too_long;
    if (*len == 0) return errc::auth_data_malformed;
    auto id = r.take(*len);
    if (!id) return errc::auth_data_too_short;
    // The COSE key's length is only known by decoding it; decode_first reports the bytes it used.
    auto key = cbor::decode_first(r.rest());
    if (!key) return key.error();
    if (!key->item.is_map()) return errc::cose_key_malformed;
    auto key_bytes = r.take(key->consumed);
    if (!key_bytes) return errc::auth_data_too_short;
    attested_credential_data acd;
    std::copy(ag->begin(), ag->end(), acd.aaguid.value.begin());
    acd.id = credential_id(*id);
    acd.public_key_cose.assign(key_bytes->begin(), key_bytes->end());
    out.attested = std::move(acd);
  }

  if (out.flags & flags::ed) {
    if (r.empty()) return errc::auth_data_extensions_missing;
    auto ext = cbor::decode_first(r.rest());
    if (!ext) return ext.error();
    if (!ext->item.is_map()) return errc::auth_data_malformed;
    r.skip(ext->consumed);
    out.extensions = std::move(ext->item);
  }

  // §6.1: the flags declare everything that follows; anything left over is refused.
  if (!r.empty()) return errc::auth_data_trailing_bytes;
  return out;
}

}  // namespace signet::core
