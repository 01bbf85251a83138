// fuzz_authenticator_data: parse_authenticator_data (WebAuthn L3 §6.1).
//
// Invariants on success, re-derived from the raw bytes independently of the parser:
//  - size >= limits::auth_data_min; rpIdHash, flags and signCount (big-endian) are the first 37 bytes;
//  - attested credential data is present iff flags.AT, extensions iff flags.ED;
//  - with AT: aaguid = bytes 37..52, credentialIdLength (big-endian u16) <= limits::credential_id_max and
//    equal to the id's size, the id is the bytes that follow, the COSE key bytes follow the id and are
//    exactly one CBOR item (cbor::decode_first consumes all of them);
//  - all parts account for every byte (no leftovers): 37 [+ 18 + idLen + keyLen] [+ extensions] == size,
//    and the extensions are one CBOR map.
// On failure: an error and no value. Inputs shorter than 37 bytes always fail.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_framing.hpp"
#include "limits.hpp"
#include "signet/core/authenticator_data.hpp"
#include "signet/core/cbor.hpp"

namespace core = signet::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const core::byte_view in(data, size);
  const auto r = core::parse_authenticator_data(in);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }
  const core::authenticator_data& ad = *r;

  SIGNET_FUZZ_CHECK(size >= core::limits::auth_data_min);
  SIGNET_FUZZ_CHECK(std::equal(ad.rp_id_hash.begin(), ad.rp_id_hash.end(), data));
  SIGNET_FUZZ_CHECK(ad.flags == data[32]);
  const std::uint32_t count = std::uint32_t{data[33]} << 24 | std::uint32_t{data[34]} << 16 |
                              std::uint32_t{data[35]} << 8 | std::uint32_t{data[36]};
  SIGNET_FUZZ_CHECK(ad.sign_count == count);
  SIGNET_FUZZ_CHECK(ad.attested.has_value() == ((data[32] & core::flags::at) != 0));
  SIGNET_FUZZ_CHECK(ad.extensions.has_value() == ((data[32] & core::flags::ed) != 0));
  SIGNET_FUZZ_CHECK(ad.user_present() == ((data[32] & 0x01) != 0));
  SIGNET_FUZZ_CHECK(ad.user_verified() == ((data[32] & 0x04) != 0));

  std::size_t off = core::limits::auth_data_min;
  if (ad.attested) {
    const auto& acd = *ad.attested;
    SIGNET_FUZZ_CHECK(size >= off + 18);
    SIGNET_FUZZ_CHECK(std::equal(acd.aaguid.value.begin(), acd.aaguid.value.end(), data + off));
    off += 16;
    const std::size_t id_len = std::size_t{data[off]} << 8 | data[off + 1];
    off += 2;
    SIGNET_FUZZ_CHECK(id_len <= core::limits::credential_id_max);
    SIGNET_FUZZ_CHECK(acd.id.size() == id_len);
    SIGNET_FUZZ_CHECK(size >= off + id_len);
    SIGNET_FUZZ_CHECK(std::equal(acd.id.value().begin(), acd.id.value().end(), data + off));
    off += id_len;
    const auto& key = acd.public_key_cose;
    SIGNET_FUZZ_CHECK(!key.empty() && size >= off + key.size());
    SIGNET_FUZZ_CHECK(std::equal(key.begin(), key.end(), data + off));
    const auto item = core::cbor::decode_first(key);
    SIGNET_FUZZ_CHECK(item.has_value() && item->consumed == key.size());
    off += key.size();
  }
  if (ad.extensions) {
    SIGNET_FUZZ_CHECK(ad.extensions->is_map());
    const auto ext = core::cbor::decode_one(in.subspan(off));
    SIGNET_FUZZ_CHECK(ext.has_value() && signet::fuzz::equal(*ext, *ad.extensions));
    off = size;
  }
  SIGNET_FUZZ_CHECK(off == size);
  return 0;
}
