#include "util/answer_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "util/json_quote.h"

namespace util {

absl::StatusOr<std::string> AnswerJson(const google::protobuf::Message& answer) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  options.add_whitespace = false;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(answer, &out, options);
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
