#include "util/answer_json.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace util {

namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

google::protobuf::util::TypeResolver* Resolver() {
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool());
  return resolver;
}

// protobuf's printer escapes control characters (C0, DEL, C1) and most
// bidirectional controls (U+200E, U+200F, U+202A..U+202E) as \uXXXX, but
// not the Arabic letter mark U+061C nor the isolates U+2066..U+2069: those
// are escaped here, so that no text of the log reaches a terminal that
// prints an answer as a direction control (util/text.h, IsBidiControl).
// Their UTF-8 bytes occur in valid UTF-8 only as those characters, and
// only inside JSON strings.
std::string EscapeRemainingBidi(std::string json) {
  if (json.find('\xD8') == std::string::npos && json.find('\xE2') == std::string::npos) {
    return json;
  }
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const auto b = [&](size_t k) {
      return i + k < json.size() ? static_cast<unsigned char>(json[i + k]) : 0;
    };
    if (b(0) == 0xD8 && b(1) == 0x9C) {
      out.append("\\u061c");
      i += 1;
    } else if (b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9) {
      out.append("\\u206");
      out.push_back(static_cast<char>('6' + (b(2) - 0xA6)));
      i += 2;
    } else {
      out.push_back(json[i]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> AnswerJson(const google::protobuf::Message& answer) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  options.add_whitespace = false;
  // Through the deterministic binary form, so that map entries print sorted
  // by key: MessageToJsonString follows the in-memory map's hash order,
  // which differs from run to run.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    answer.SerializePartialToCodedStream(&coded);
  }
  std::string out;
  const auto status = google::protobuf::util::BinaryToJsonString(
      Resolver(), absl::StrCat(kTypeUrlPrefix, "/", answer.GetDescriptor()->full_name()), binary,
      &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", answer.GetTypeName(),
                                            " as JSON: ", status.ToString()));
  }
  return EscapeRemainingBidi(std::move(out));
}

}  // namespace util
