// The mapping of a CSV file's columns to enforcement.v1.Event fields, for
// `ledger import FILE.csv --mapping MAP`. docs/IMPORT.md documents the
// format; data/*.mapping are examples. In short, one rule per line:
//
//   # a comment
//   <field path> = column <NAME>      the cell of column NAME
//   <field path> = const <VALUE>      the same value on every row
//   <field path> = template <TEXT>    TEXT with {NAME} replaced by cells
//   <field path> = list <NAME>        a repeated field: the cell split on ';'
//   <field path> = date <NAME>        a Timestamp (same as column)
//   ignore <NAME>                     a column deliberately not imported
//   date_format <FORMAT> <PRECISION>  an extra date format, e.g. %d/%m/%Y day
//
// Field paths are proto field names from the Event root, with [KEY] for a
// map entry and [N] for an element of a repeated message:
// `handover.suspects_count`, `source.publisher`,
// `raid.detained_by_nationality[CN]`, `raid.agencies[0].name`.
// A date fills its Timestamp with the first instant of the date and the
// paired precision field (occurred_at -> occurred_precision, offence_from ->
// offence_from_precision, ...) from the date's form: 2024 -> YEAR, 2024-02 ->
// MONTH, 2024-02-11 -> DAY, RFC 3339 with a time -> EXACT.
// An empty cell leaves its field unset, so one wide CSV can carry several
// body kinds: a row's body is the one whose columns are filled.
// Every column of the file must be used or ignored: nothing is silently
// dropped.
//
// Thread-safe after Load: Apply is const.
#ifndef ENFORCEMENT_INGEST_IMPORT_MAPPING_H_
#define ENFORCEMENT_INGEST_IMPORT_MAPPING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"

namespace ingest {

class CsvMapping {
 public:
  // Loads the mapping at `path` for a CSV file whose header is `header`.
  // The file is read with ledger::ReadWholeFile: a regular file of at most
  // ledger::kMaxMappingFileBytes (else kInvalidArgument, at once, without
  // waiting on a FIFO or reading a device). kNotFound if it does not exist,
  // kUnavailable if it cannot be read; kInvalidArgument naming
  // "<path>:<line>: <problem>" for a bad rule, an unknown field path or
  // column, or a column of the header that is neither used nor ignored.
  static absl::StatusOr<std::unique_ptr<CsvMapping>> Load(const std::string& path,
                                                          const std::vector<std::string>& header);
  // The same from text (for tests and error messages, `name` is the path).
  static absl::StatusOr<std::unique_ptr<CsvMapping>> Parse(absl::string_view text,
                                                           const std::string& name,
                                                           const std::vector<std::string>& header);
  ~CsvMapping();

  // Builds *event (cleared first) from one record's fields (as many as the
  // header). On failure returns false and sets *error to
  // `column "NAME" (field.path): "cell" <rule>` (or, for a conflict between
  // body kinds, names both columns). A row whose string fields would hold
  // more than ledger::kMaxEventBytes of text together (a template's size is
  // computed before it is expanded) is refused before that text is built.
  // Messages of Load, Parse and Apply write the input's control characters
  // as \xNN.
  bool Apply(const std::vector<std::string>& fields, enforcement::v1::Event* event,
             std::string* error) const;

  struct Rule;
  struct DateFormat;

 private:
  CsvMapping();
  std::vector<std::string> header_;
  std::vector<Rule> rules_;
  std::vector<DateFormat> date_formats_;
};

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_IMPORT_MAPPING_H_
