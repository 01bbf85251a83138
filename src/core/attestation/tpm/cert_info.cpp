// TPMS_ATTEST parsing for the "tpm" attestation format (WebAuthn L3 §8.3, "certInfo").
#include "attestation/tpm/tpm_structs.hpp"

namespace signet::core::tpm {

boost::system::result<cert_info> parse_cert_info(byte_view raw) {
  reader r(raw);
  cert_info c;
  // TPMS_ATTEST: magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion, attested.
  if (!r.u32(c.magic) || !r.u16(c.type) || !r.sized(c.qualified_signer) || !r.sized(c.extra_data))
    return err_cert_info_malformed;
  // TPMS_CLOCK_INFO: clock, resetCount, restartCount, safe (TPMI_YES_NO).
  if (!r.u64(c.clock) || !r.u32(c.reset_count) || !r.u32(c.restart_count) || !r.u8(c.safe) ||
      !r.u64(c.firmware_version))
    return err_cert_info_malformed;
  // TPMU_ATTEST for TPM_ST_ATTEST_CERTIFY is TPMS_CERTIFY_INFO: name, qualifiedName.
  if (!r.sized(c.attested_name) || !r.sized(c.attested_qualified_name)) return err_cert_info_malformed;
  if (!r.at_end()) return err_cert_info_malformed;
  return c;
}

}  // namespace signet::core::tpm
