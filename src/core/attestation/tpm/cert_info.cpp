// TPMS_ATTEST parsing for the "tpm" attestation format (WebAuthn L3 §8.3, "certInfo").
#include "attestation/tpm/tpm_structs.hpp"

namespace signet::core::tpm {

boost::system::result<cert_info> parse_cert_info(byte_view raw) {
  byte_reader r(raw);
  cert_info c;
  // TPMS_ATTEST: magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion, attested.
  if (!read(r, c.magic) || !read(r, c.type) || !read_sized(r, c.qualified_signer) || !read_sized(r, c.extra_data))
    return err_cert_info_malformed;
  // TPMS_CLOCK_INFO: clock, resetCount, restartCount, safe (TPMI_YES_NO).
  if (!read(r, c.clock) || !read(r, c.reset_count) || !read(r, c.restart_count) || !read(r, c.safe) ||
      !read(r, c.firmware_version))
    return err_cert_info_malformed;
  // TPMU_ATTEST for TPM_ST_ATTEST_CERTIFY is TPMS_CERTIFY_INFO: name, qualifiedName.
  if (!read_sized(r, c.attested_name) || !read_sized(r, c.attested_qualified_name)) return err_cert_info_malformed;
  if (!r.empty()) return err_cert_info_malformed;
  return c;
}

}  // namespace signet::core::tpm
