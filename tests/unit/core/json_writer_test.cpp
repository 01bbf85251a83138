// json_writer: the text it writes parses back to what was written, with the bytes Boost.JSON's
// serializer would write for the same tree.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <random>
#include <string>

#include "signet/core/json_writer.hpp"

using signet::core::append_json_string;
using signet::core::json_writer;

TEST(json_writer, every_byte_is_escaped_as_boost_json_escapes_it) {
  for (int c = 0; c < 256; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "z";
    std::string out;
    append_json_string(out, s);
    if (c < 0x80) {  // a lone byte >= 0x80 is not UTF-8; both copy it, only parsing it back differs
      EXPECT_EQ(out, boost::json::serialize(boost::json::value(boost::json::string_view(s)))) << c;
      EXPECT_EQ(boost::json::parse(out).as_string(), s) << c;
    } else {
      EXPECT_EQ(out, "\"" + s + "\"") << c;
    }
  }
}

TEST(json_writer, random_utf8_strings_round_trip_byte_for_byte) {
  std::mt19937 rng(20261129);
  const std::string pieces[] = {"\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "€", "😀", "a", " ", "\b\f\r"};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    std::string out;
    append_json_string(out, s);
    ASSERT_EQ(out, boost::json::serialize(boost::json::value(boost::json::string_view(s)))) << s;
    ASSERT_EQ(boost::json::parse(out).as_string(), s);
  }
}

TEST(json_writer, nested_containers_get_their_commas) {
  std::string out;
  json_writer w(out);
  w.begin_object().member("v", std::int64_t{2}).member("s", "x\"y");
  w.key("a").begin_array().number(-7).begin_object().end_object().begin_array().end_array().string("q").end_array();
  w.key("o").begin_object().member("t", true).member("f", false).key("n").null().end_object();
  w.key("raw").raw(R"({"k":[1,2]})");
  w.member("last", std::int64_t{-9007199254740993});
  w.end_object();
  const boost::json::value expected = boost::json::parse(
      R"({"v":2,"s":"x\"y","a":[-7,{},[],"q"],"o":{"t":true,"f":false,"n":null},"raw":{"k":[1,2]},"last":-9007199254740993})");
  EXPECT_EQ(boost::json::parse(out), expected) << out;
  EXPECT_EQ(out, boost::json::serialize(expected));

  std::string empty;
  json_writer(empty).begin_array().end_array();
  EXPECT_EQ(empty, "[]");
}
