#include "ingest/ndjson.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  FILE* f = nullptr;
  bool owned = true;
  std::string name = path;
  if (path == "-") {
    f = stdin;
    owned = false;
    name = "<stdin>";
  } else {
    f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      const int err = errno;
      const std::string msg = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
      if (err == ENOENT) return absl::NotFoundError(msg);
      if (err == EACCES) return absl::PermissionDeniedError(msg);
      return absl::UnavailableError(msg);
    }
  }
  std::optional<uint64_t> size;
  struct stat st;
  if (fstat(fileno(f), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (owned) std::fclose(f);
      return absl::InvalidArgumentError(absl::StrCat(path, " is a directory"));
    }
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  return std::unique_ptr<LineReader>(new LineReader(f, owned, std::move(name), size));
}

LineReader::~LineReader() {
  std::free(buf_);
  if (owned_ && f_ != nullptr) std::fclose(f_);
}

absl::StatusOr<bool> LineReader::Next(std::string* line) {
  errno = 0;
  const ssize_t n = getline(&buf_, &cap_, f_);
  if (n < 0) {
    if (std::ferror(f_)) {
      return absl::DataLossError(
          absl::StrCat("error reading ", name_, " after line ", line_number_, ": ",
                       std::strerror(errno)));
    }
    return false;
  }
  ++line_number_;
  bytes_read_ += static_cast<uint64_t>(n);
  size_t len = static_cast<size_t>(n);
  if (len > 0 && buf_[len - 1] == '\n') --len;
  if (len > 0 && buf_[len - 1] == '\r') --len;
  if (len > kMaxLineBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("line is ", len, " bytes long; at most ", kMaxLineBytes, " are accepted"));
  }
  line->assign(buf_, len);
  return true;
}

bool IsBlankLine(absl::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

std::string EscapeControlCharacters(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::Status ParseEventLine(absl::string_view line, enforcement::v1::Event* event) {
  if (size_t bad = FindInvalidUtf8(line); bad != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid UTF-8 at byte ", bad + 1, " of the line"));
  }
  event->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), event, options);
  if (!status.ok()) {
    // protobuf may add lines with a snippet and a caret; keep the first.
    // It may also quote input (an unknown field's name): escape control
    // characters so that input can never forge lines or terminal escapes.
    std::string message(status.message());
    if (size_t nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON for enforcement.v1.Event: ",
                                                   EscapeControlCharacters(message)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToCanonicalJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  options.add_whitespace = false;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", std::string(status.message())));
  }
  return out;
}

}  // namespace ingest
