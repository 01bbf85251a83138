#include <gtest/gtest.h>

#include "signet/core/cbor.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;
using test::from_hex;

struct cbor_case {
  const char* name;
  const char* hex;
  errc expected;
};

class cbor_decode_one : public ::testing::TestWithParam<cbor_case> {};

TEST_P(cbor_decode_one, gives_exact_code) {
  const auto& c = GetParam();
  const auto in = from_hex(c.hex);
  auto r = core::cbor::decode_one(in);
  EXPECT_EQ(code_of(r), c.expected) << c.name << ": got " << test::name(code_of(r));
}

INSTANTIATE_TEST_SUITE_P(
    table, cbor_decode_one,
    ::testing::Values(
        cbor_case{"uint", "1864", errc::ok}, cbor_case{"map", "a2 01 02 20 03", errc::ok},
        cbor_case{"text", "63 616263", errc::ok}, cbor_case{"bool_null", "83 f4 f5 f6", errc::ok},
        cbor_case{"empty", "", errc::cbor_truncated}, cbor_case{"truncated_bytes", "44 0102", errc::cbor_truncated},
        cbor_case{"truncated_map", "a2 01 02 03", errc::cbor_truncated},
        cbor_case{"truncated_argument", "19 01", errc::cbor_truncated},
        cbor_case{"trailing", "01 02", errc::cbor_trailing_bytes},
        cbor_case{"indefinite_map", "bf 01 02 ff", errc::cbor_indefinite_length},
        cbor_case{"indefinite_bytes", "5f 41 00 ff", errc::cbor_indefinite_length},
        cbor_case{"tag", "c1 1a 514b67b0", errc::cbor_tag_not_allowed},
        cbor_case{"float", "fa 47c35000", errc::cbor_unsupported_type},
        cbor_case{"undefined", "f7", errc::cbor_unsupported_type},
        cbor_case{"simple", "f0", errc::cbor_unsupported_type},
        cbor_case{"duplicate_int_key", "a2 01 02 01 03", errc::cbor_duplicate_key},
        cbor_case{"duplicate_text_key", "a2 61 61 01 61 61 02", errc::cbor_duplicate_key},
        cbor_case{"uint_above_int64", "1b ffffffffffffffff", errc::cbor_integer_out_of_range},
        cbor_case{"nint_below_int64", "3b ffffffffffffffff", errc::cbor_integer_out_of_range},
        cbor_case{"invalid_utf8", "62 c328", errc::cbor_invalid_utf8},
        cbor_case{"overlong_utf8", "62 c0af", errc::cbor_invalid_utf8},
        cbor_case{"reserved_info", "1c", errc::cbor_malformed},
        cbor_case{"stray_break", "ff", errc::cbor_malformed},
        cbor_case{"huge_array_count", "9b 00000000ffffffff", errc::cbor_too_large},
        cbor_case{"array_as_map_key", "a1 80 01", errc::cbor_unsupported_type}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(cbor, depth_limit_is_16_nested_containers) {
  auto nested = [](std::size_t depth) {
    core::bytes b(depth, 0x81);  // [[[ ... ]]]
    b.push_back(0x00);
    return b;
  };
  EXPECT_TRUE(core::cbor::decode_one(nested(16)));
  EXPECT_EQ(code_of(core::cbor::decode_one(nested(17))), errc::cbor_depth_exceeded);
  // Deep input never reaches libcbor's recursive builder: 60k levels fail fast, no stack overflow.
  EXPECT_EQ(code_of(core::cbor::decode_one(nested(60000))), errc::cbor_depth_exceeded);
}

TEST(cbor, decode_first_reports_bytes_consumed) {
  const auto in = from_hex("a1 01 02 ff ee");
  auto r = core::cbor::decode_first(in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->consumed, 3u);
  ASSERT_TRUE(r->item.as_map());
  const auto* v = core::cbor::find(*r->item.as_map(), std::int64_t{1});
  ASSERT_TRUE(v && v->as_int());
  EXPECT_EQ(*v->as_int(), 2);
}

TEST(cbor, indefinite_allowed_only_when_asked) {
  const auto in = from_hex("bf 63 666d74 64 6e6f6e65 ff");  // {_ "fmt": "none"}
  EXPECT_EQ(code_of(core::cbor::decode_one(in)), errc::cbor_indefinite_length);
  core::cbor::decode_options opts;
  opts.allow_indefinite_length = true;
  auto r = core::cbor::decode_one(in, opts);
  ASSERT_TRUE(r);
  const auto* fmt = core::cbor::find(*r->as_map(), "fmt");
  ASSERT_TRUE(fmt && fmt->as_text());
  EXPECT_EQ(*fmt->as_text(), "none");
}

TEST(cbor, indefinite_string_chunks_are_joined) {
  core::cbor::decode_options opts;
  opts.allow_indefinite_length = true;
  auto r = core::cbor::decode_one(from_hex("5f 42 0102 41 03 ff"), opts);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->as_bytes(), (core::bytes{1, 2, 3}));
  // A chunk of another type is malformed.
  EXPECT_EQ(code_of(core::cbor::decode_one(from_hex("5f 61 61 ff"), opts)), errc::cbor_malformed);
}

TEST(cbor, negative_and_large_integers) {
  auto r = core::cbor::decode_one(from_hex("3b 7fffffffffffffff"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->as_int(), INT64_MIN);
}

TEST(cbor, every_truncation_of_a_valid_item_fails_without_a_value) {
  const auto full = from_hex("a4 01 02 03 26 20 01 21 58 20 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  ASSERT_TRUE(core::cbor::decode_one(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = core::cbor::decode_one(core::byte_view(full.data(), n));
    EXPECT_EQ(code_of(r), errc::cbor_truncated) << "length " << n;
  }
}

// Indefinite containers are held to the same item limit as definite ones (fuzz_cbor finding:
// tests/vectors/fuzz/cbor/indefinite-array-1025-items).
TEST(cbor, indefinite_containers_respect_the_item_limit) {
  core::cbor::decode_options lenient;
  lenient.allow_indefinite_length = true;
  auto array_of = [](std::size_t n) {
    core::bytes in{0x9f};
    in.insert(in.end(), n, 0x01);
    in.push_back(0xff);
    return in;
  };
  EXPECT_TRUE(core::cbor::decode_one(array_of(1024), lenient));
  EXPECT_EQ(code_of(core::cbor::decode_one(array_of(1025), lenient)), errc::cbor_too_large);
  core::bytes map{0xbf};
  for (int i = 0; i < 1025; ++i) {
    map.push_back(0x19);  // uint16 key
    map.push_back(static_cast<core::byte>(i >> 8));
    map.push_back(static_cast<core::byte>(i & 0xff));
    map.push_back(0x00);
  }
  map.push_back(0xff);
  EXPECT_EQ(code_of(core::cbor::decode_one(map, lenient)), errc::cbor_too_large);
}
