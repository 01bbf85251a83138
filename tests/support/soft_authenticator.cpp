// Test-only software authenticator. See soft_authenticator.hpp.
#include "soft_authenticator.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "cbor_writer.hpp"

namespace signet::test {

namespace {

[[noreturn]] void fail(const char* what) {
  // Test support: a failure here is a broken test environment, not a verdict.
  std::cerr << "soft_authenticator: " << what << '\n';
  std::abort();
}

const char* digest_name(std::int32_t alg) {
  switch (static_cast<core::cose_alg>(alg)) {
    case core::cose_alg::es256:
    case core::cose_alg::rs256:
    case core::cose_alg::ps256:
      return "SHA256";
    case core::cose_alg::es384:
    case core::cose_alg::rs384:
    case core::cose_alg::ps384:
      return "SHA384";
    case core::cose_alg::es512:
    case core::cose_alg::rs512:
    case core::cose_alg::ps512:
      return "SHA512";
    case core::cose_alg::rs1:
      return "SHA1";
    default:
      return nullptr;  // EdDSA
  }
}

bytes bn_bytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) fail("get_bn_param");
  bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

time_t to_time_t(std::chrono::system_clock::time_point t) { return std::chrono::system_clock::to_time_t(t); }

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail("X509V3_EXT_nconf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_name(X509_NAME* name, const char* field, const std::string& value) {
  if (!value.empty())
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                               -1, -1, 0);
}

}  // namespace

// ---- keys -----------------------------------------------------------------------------------

key_pair key_pair::generate(std::int32_t alg) {
  EVP_PKEY* k = nullptr;
  switch (static_cast<core::cose_alg>(alg)) {
    case core::cose_alg::es256: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case core::cose_alg::es384: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case core::cose_alg::es512: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"); break;
    case core::cose_alg::eddsa:
    case core::cose_alg::ed25519: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case core::cose_alg::ed448: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"); break;
    default: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)); break;
  }
  if (!k) fail("keygen");
  return key_pair(core::evp_pkey_ptr(k), alg);
}

bytes key_pair::cose_public_key() const {
  cbor_writer w;
  EVP_PKEY* k = key_.get();
  const int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_EC) {
    unsigned char buf[200];
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len) != 1) fail("pub point");
    const std::size_t n = (len - 1) / 2;
    const int crv = alg_ == -7 ? 1 : alg_ == -35 ? 2 : 3;
    w.map(5).uint(1).uint(2).uint(3).integer(alg_).integer(-1).uint(static_cast<std::uint64_t>(crv));
    w.integer(-2).bytes(byte_view(buf + 1, n)).integer(-3).bytes(byte_view(buf + 1 + n, n));
  } else if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
    unsigned char buf[64];
    std::size_t len = sizeof(buf);
    if (EVP_PKEY_get_raw_public_key(k, buf, &len) != 1) fail("raw pub");
    w.map(4).uint(1).uint(1).uint(3).integer(alg_).integer(-1).uint(id == EVP_PKEY_ED25519 ? 6 : 7);
    w.integer(-2).bytes(byte_view(buf, len));
  } else {
    const bytes n = bn_bytes(k, OSSL_PKEY_PARAM_RSA_N);
    const bytes e = bn_bytes(k, OSSL_PKEY_PARAM_RSA_E);
    w.map(4).uint(1).uint(3).uint(3).integer(alg_).integer(-1).bytes(n).integer(-2).bytes(e);
  }
  return w.take();
}

bytes key_pair::sign(byte_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const char* md = digest_name(alg_);
  if (!ctx || EVP_DigestSignInit_ex(ctx, &pctx, md, nullptr, nullptr, key_.get(), nullptr) != 1) fail("sign init");
  if (alg_ == -37 || alg_ == -38 || alg_ == -39) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx, nullptr, &len, data.data(), data.size()) != 1) fail("sign len");
  bytes sig(len);
  if (EVP_DigestSign(ctx, sig.data(), &len, data.data(), data.size()) != 1) fail("sign");
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

// ---- certificates ---------------------------------------------------------------------------

test_ca test_ca::create(const std::string& common_name, std::chrono::system_clock::time_point not_before,
                        std::chrono::system_clock::time_point not_after) {
  test_ca ca;
  ca.key_ = std::make_shared<key_pair>(key_pair::generate(-7));
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  ASN1_TIME_set(X509_getm_notBefore(x), to_time_t(not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), to_time_t(not_after));
  X509_NAME* name = X509_get_subject_name(x);
  set_name(name, "C", "US");
  set_name(name, "O", "Signet Test");
  set_name(name, "CN", common_name);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, ca.key_->get());
  add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, x, NID_subject_key_identifier, "hash");
  if (X509_sign(x, ca.key_->get(), EVP_sha256()) <= 0) fail("ca sign");
  ca.cert_ = std::shared_ptr<X509>(x, &X509_free);
  return ca;
}

std::shared_ptr<X509> test_ca::shared_cert() const { return cert_; }

x509_handle test_ca::issue(const key_pair& subject, const leaf_options& opt) const {
  static int serial = 100;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  ASN1_TIME_set(X509_getm_notBefore(x), to_time_t(opt.not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), to_time_t(opt.not_after));
  X509_NAME* name = X509_get_subject_name(x);
  set_name(name, "C", "US");
  set_name(name, "O", "Signet Test Authenticators");
  set_name(name, "OU", opt.organizational_unit);
  set_name(name, "CN", "Signet Soft Authenticator");
  X509_set_issuer_name(x, X509_get_subject_name(cert_.get()));
  X509_set_pubkey(x, subject.get());
  add_ext(x, cert_.get(), NID_basic_constraints, opt.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x, cert_.get(), NID_authority_key_identifier, "keyid");
  if (opt.aaguid_extension) {
    // id-fido-gen-ce-aaguid: extnValue = DER OCTET STRING (16 bytes).
    bytes der{0x04, 0x10};
    der.insert(der.end(), opt.aaguid_extension->value.begin(), opt.aaguid_extension->value.end());
    ASN1_OBJECT* obj = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, der.data(), static_cast<int>(der.size()));
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, os);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
  }
  if (X509_sign(x, key_->get(), EVP_sha256()) <= 0) fail("leaf sign");
  return x509_handle(x);
}

bytes to_der(X509* cert) {
  unsigned char* p = nullptr;
  const int len = i2d_X509(cert, &p);
  if (len <= 0) fail("i2d_X509");
  bytes out(p, p + len);
  OPENSSL_free(p);
  return out;
}

// ---- byte builders --------------------------------------------------------------------------

bytes sha256(byte_view data) {
  bytes out(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string client_data_json(const std::string& type, const std::string& challenge, const std::string& origin,
                             std::optional<bool> cross_origin, std::optional<std::string> top_origin) {
  boost::json::object o{{"type", type}, {"challenge", challenge}, {"origin", origin}};
  if (cross_origin) o["crossOrigin"] = *cross_origin;
  if (top_origin) o["topOrigin"] = *top_origin;
  return boost::json::serialize(o);
}

bytes make_auth_data(const std::string& rp_id, std::uint8_t flags, std::uint32_t sign_count,
                     const core::aaguid* aaguid, byte_view credential_id, byte_view cose_key) {
  bytes out = sha256(core::as_bytes(rp_id));
  out.push_back(flags);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(sign_count >> s));
  if (aaguid) {
    out.insert(out.end(), aaguid->value.begin(), aaguid->value.end());
    out.push_back(static_cast<std::uint8_t>(credential_id.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(credential_id.size() & 0xff));
    out.insert(out.end(), credential_id.begin(), credential_id.end());
    out.insert(out.end(), cose_key.begin(), cose_key.end());
  }
  return out;
}

bytes make_attestation_object(const std::string& fmt, byte_view att_stmt_map, byte_view auth_data) {
  cbor_writer w;
  w.map(3).text("fmt").text(fmt).text("attStmt").raw(att_stmt_map).text("authData").bytes(auth_data);
  return w.take();
}

std::string registration_json(const core::registration_response& r) {
  boost::json::array transports;
  for (const auto& t : r.transports) transports.emplace_back(t);
  boost::json::object o{
      {"id", r.id},
      {"rawId", r.raw_id.to_base64url()},
      {"type", "public-key"},
      {"response", boost::json::object{{"clientDataJSON", core::base64url_encode(r.client_data_json)},
                                       {"attestationObject", core::base64url_encode(r.attestation_object)},
                                       {"transports", std::move(transports)}}},
      {"clientExtensionResults", boost::json::object{}}};
  return boost::json::serialize(o);
}

std::string authentication_json(const core::authentication_response& r) {
  boost::json::object resp{{"clientDataJSON", core::base64url_encode(r.client_data_json)},
                           {"authenticatorData", core::base64url_encode(r.authenticator_data)},
                           {"signature", core::base64url_encode(r.signature)}};
  if (r.user_handle) resp["userHandle"] = r.user_handle->to_base64url();
  boost::json::object o{{"id", r.id},
                        {"rawId", r.raw_id.to_base64url()},
                        {"type", "public-key"},
                        {"response", std::move(resp)},
                        {"clientExtensionResults", boost::json::object{}}};
  return boost::json::serialize(o);
}

// ---- the authenticator ----------------------------------------------------------------------

soft_authenticator::soft_authenticator(std::int32_t alg) : key_(key_pair::generate(alg)) {}

core::aaguid soft_aaguid() {
  return core::aaguid{{0x51, 0x9a, 0x1e, 0x70, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc}};
}

minted_registration soft_authenticator::make_registration(const registration_knobs& k) {
  if (credential_id_.size() != k.credential_id_length) {
    credential_id_.resize(k.credential_id_length);
    for (std::size_t i = 0; i < credential_id_.size(); ++i) credential_id_[i] = static_cast<std::uint8_t>(i * 7 + 3);
  }
  const core::aaguid aaguid = soft_aaguid();
  const bytes cose = key_.cose_public_key();
  const bool attested = (k.flags & core::flags::at) != 0;
  bytes auth_data = make_auth_data(k.rp_id, k.flags, k.sign_count, attested ? &aaguid : nullptr, credential_id_,
                                   attested ? byte_view(cose) : byte_view());
  const std::string cdj = client_data_json(k.type, k.challenge, k.origin, k.cross_origin, k.top_origin);
  const bytes cdh = sha256(core::as_bytes(cdj));
  bytes signed_data = auth_data;
  signed_data.insert(signed_data.end(), cdh.begin(), cdh.end());

  std::string fmt;
  cbor_writer stmt;
  auto finish_sig = [&](bytes sig) {
    if (k.corrupt_signature) sig.back() ^= 0x01;
    return sig;
  };
  switch (k.mode) {
    case attestation_mode::none:
      fmt = "none";
      stmt.map(0);
      break;
    case attestation_mode::packed_self:
      fmt = "packed";
      stmt.map(2).text("alg").integer(k.statement_alg.value_or(key_.alg())).text("sig").bytes(finish_sig(key_.sign(signed_data)));
      break;
    case attestation_mode::packed_x5c: {
      if (!k.ca) fail("packed_x5c needs a CA");
      fmt = "packed";
      const key_pair att = key_pair::generate(-7);
      x509_handle leaf = k.ca->issue(att, k.leaf);
      stmt.map(3).text("alg").integer(k.statement_alg.value_or(-7)).text("sig").bytes(finish_sig(att.sign(signed_data)));
      stmt.text("x5c").array(k.include_root_in_x5c ? 2 : 1).bytes(to_der(leaf.get()));
      if (k.include_root_in_x5c) stmt.bytes(to_der(k.ca->cert()));
      break;
    }
    case attestation_mode::fido_u2f: {
      if (!k.ca) fail("fido_u2f needs a CA");
      fmt = "fido-u2f";
      const key_pair att = key_pair::generate(-7);
      x509_handle leaf = k.ca->issue(att, k.leaf);
      unsigned char point[65];
      std::size_t len = 0;
      if (EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len) != 1 ||
          len != 65)
        fail("fido-u2f needs an ES256 credential");
      bytes data{0x00};
      const bytes rp_hash = sha256(core::as_bytes(k.rp_id));
      data.insert(data.end(), rp_hash.begin(), rp_hash.end());
      data.insert(data.end(), cdh.begin(), cdh.end());
      data.insert(data.end(), credential_id_.begin(), credential_id_.end());
      data.insert(data.end(), point, point + 65);
      stmt.map(2).text("sig").bytes(finish_sig(att.sign(data))).text("x5c").array(1).bytes(to_der(leaf.get()));
      break;
    }
  }
  if (!k.fmt.empty()) fmt = k.fmt;

  minted_registration out;
  out.response.id = core::base64url_encode(credential_id_);
  out.response.raw_id = core::credential_id(credential_id_);
  out.response.client_data_json = bytes(cdj.begin(), cdj.end());
  out.response.attestation_object = make_attestation_object(fmt, stmt.data(), auth_data);
  out.response.transports = {"usb"};
  out.json = registration_json(out.response);
  out.auth_data = std::move(auth_data);
  out.credential_id = credential_id_;
  out.cose_key = cose;
  return out;
}

minted_assertion soft_authenticator::make_assertion(const assertion_knobs& k) const {
  const bytes auth_data = make_auth_data(k.rp_id, k.flags, k.sign_count);
  std::string cdj = client_data_json(k.type, k.challenge, k.origin);
  if (k.payment_json) {
    auto o = boost::json::parse(cdj).as_object();
    o["payment"] = boost::json::parse(*k.payment_json);
    cdj = boost::json::serialize(o);
  }
  const bytes cdh = sha256(core::as_bytes(cdj));
  bytes signed_data = auth_data;
  signed_data.insert(signed_data.end(), cdh.begin(), cdh.end());
  bytes sig = key_.sign(signed_data);
  if (k.corrupt_signature) sig.back() ^= 0x01;
  minted_assertion out;
  out.response.id = core::base64url_encode(credential_id_);
  out.response.raw_id = core::credential_id(credential_id_);
  out.response.client_data_json = bytes(cdj.begin(), cdj.end());
  out.response.authenticator_data = auth_data;
  out.response.signature = std::move(sig);
  if (k.user_handle) out.response.user_handle = core::user_handle(*k.user_handle);
  out.json = authentication_json(out.response);
  return out;
}

}  // namespace signet::test
