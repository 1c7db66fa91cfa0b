#include "util/answer_json.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "util/json_quote.h"

namespace util {

namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

google::protobuf::util::TypeResolver* Resolver() {
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool());
  return resolver;
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
  // protobuf escapes only what RFC 8259 requires; answers echo text from
  // the log, which must not act on a terminal (util/json_quote.h).
  util::EscapeUnsafeCharactersInJson(&out);
  return out;
}

}  // namespace util
