// The dossier's HTML: sections, the inline SVG diagrams, the style sheet.
// Every string from the log goes through HtmlEscape (H below); the JSON
// block has every '<' written as \u003c so that nothing in it can end the
// <script> element.
#include "report/html_parts.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/money.h"
#include "util/text.h"

namespace report {
namespace {

using projections::Date;
using projections::Sum;

std::string H(absl::string_view s) { return HtmlEscape(s); }

// "1,234,567": the one thousands style (util/text.h).
std::string Num(Sum v) { return ledger::Thousands(projections::SumText(v)); }
std::string Num(int64_t v) { return ledger::Thousands(absl::StrCat(v)); }

const char* Plural(Sum n, const char* one, const char* many) { return n == 1 ? one : many; }

std::string PrecisionText(const Date& d) {
  if (!d.set()) return "unknown";
  return projections::PrecisionName(d.precision);
}

// [start, end) of a date's unit, in seconds: a month-precise date covers the
// whole month (never a made-up day).
std::pair<int64_t, int64_t> Span(const Date& d) {
  const absl::Time t = absl::FromUnixSeconds(d.seconds);
  const absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  absl::CivilSecond end;
  switch (d.precision) {
    case enforcement::v1::PRECISION_YEAR:
      end = absl::CivilSecond(absl::CivilYear(cs) + 1);
      break;
    case enforcement::v1::PRECISION_MONTH:
      end = absl::CivilSecond(absl::CivilMonth(cs) + 1);
      break;
    case enforcement::v1::PRECISION_DAY:
      end = absl::CivilSecond(absl::CivilDay(cs) + 1);
      break;
    default:
      end = cs + 3600;
      break;
  }
  return {d.seconds, absl::ToUnixSeconds(absl::FromCivil(end, absl::UTCTimeZone()))};
}

std::string StatusText(const projections::TimelineEntry& e) {
  if (e.retracted) return absl::StrCat("retracted by ", e.retracted_by);
  if (e.corrected) return absl::StrCat("corrected by ", e.corrected_by);
  if (e.kind == "correction") {
    return absl::StrCat(e.in_effect ? "correction in effect" : "correction superseded",
                        " (of ", e.target_event_id, ")");
  }
  if (e.kind == "retraction") return absl::StrCat("retracts ", e.target_event_id);
  return "in effect";
}

std::string SourceHtml(const projections::SourceRef& s) {
  std::string out = H(s.publisher.empty() ? "(no publisher)" : s.publisher);
  if (!s.title.empty()) absl::StrAppend(&out, ": <i>", H(s.title), "</i>");
  if (!s.published_at.empty()) absl::StrAppend(&out, ", ", H(s.published_at.substr(0, 10)));
  // Shown as text, not a link: opening the page loads nothing, and a
  // reader copies the address deliberately.
  if (!s.url.empty()) absl::StrAppend(&out, "<br><span class=url>", H(s.url), "</span>");
  if (!s.reference.empty()) absl::StrAppend(&out, "<br><span class=ref>", H(s.reference), "</span>");
  return out;
}

// --- totals ------------------------------------------------------------------

struct FigureRow {
  std::string label, reported, derived, note;
};

std::string FiguresTable(const std::vector<FigureRow>& rows) {
  std::string out =
      "<table class=figures><thead><tr><th>Figure</th><th>Reported</th>"
      "<th>Derived from the events</th><th>Note</th></tr></thead><tbody>\n";
  for (const FigureRow& r : rows) {
    absl::StrAppend(&out, "<tr><td>", H(r.label), "</td><td class=num>", H(r.reported),
                    "</td><td class=num>", H(r.derived), "</td><td>", H(r.note), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

std::string ByNationality(const projections::SumMap& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, " ", Num(v)));
  return absl::StrJoin(parts, ", ");
}

std::string ComparisonRows(const std::vector<projections::FigureComparison>& figures,
                           const std::vector<std::string>& countries) {
  std::vector<FigureRow> rows;
  for (const projections::FigureComparison& f : figures) {
    if (!countries.empty()) {
      bool match = false;
      for (const std::string& c : countries) {
        match = match || f.from_country == c || f.to_country == c || f.nationality == c;
      }
      if (!match) continue;
    }
    FigureRow r;
    r.label = f.metric;
    if (!f.from_country.empty() || !f.to_country.empty()) {
      absl::StrAppend(&r.label, " ", f.from_country.empty() ? "any" : f.from_country, " \u2192 ",
                      f.to_country.empty() ? "any" : f.to_country);
    }
    if (!f.nationality.empty()) absl::StrAppend(&r.label, ", nationality ", f.nationality);
    absl::StrAppend(&r.label, ", ", f.period_from.set() ? projections::DateText(f.period_from) : "...",
                    " to ", f.period_to.set() ? projections::DateText(f.period_to) : "...");
    r.reported = absl::StrCat(f.approximate ? "about " : "", Num(f.reported));
    if (f.derivable) {
      r.derived = Num(f.derived);
      if (f.uncertain != 0) absl::StrAppend(&r.derived, " (+", Num(f.uncertain), " uncertain)");
    } else {
      r.derived = "not derivable";
    }
    r.note = absl::StrCat(f.source.publisher, " (", f.figure.event_id, "); derived from ",
                          f.derived_events, f.derived_events == 1 ? " event" : " events");
    rows.push_back(std::move(r));
  }
  if (rows.empty()) return "<p class=muted>No reported figure concerns this scope.</p>\n";
  return FiguresTable(rows);
}

std::string TotalsSection(const PageData& p, Scope scope, const std::vector<FlowPair>& flows) {
  std::string out = "<section id=totals><h2>Totals</h2>\n";
  std::vector<std::string> countries;
  if (p.operation) {
    const projections::OperationView& op = *p.operation;
    std::vector<FigureRow> rows;
    rows.push_back({"people detained in the raids", Num(op.detained),
                    absl::StrCat(Num(op.arrests_recorded), " recorded one by one"),
                    absl::StrCat("by nationality, as reported: ", ByNationality(op.detained_by_nationality),
                                 "; individual arrests are shown beside the raid figure, never added")});
    rows.push_back({"ringleaders detained", Num(op.ringleaders_detained),
                    absl::StrCat(Num(op.arrested_ringleaders), " recorded one by one"), ""});
    std::vector<std::string> to;
    for (const auto& [c, n] : op.handed_over_to) to.push_back(absl::StrCat(c, " ", Num(n)));
    rows.push_back({"people handed over", "",
                    absl::StrCat(Num(op.handed_over), " in ", Num(op.handovers), " ",
                                 Plural(op.handovers, "handover", "handovers")),
                    absl::StrCat("to: ", absl::StrJoin(to, ", "), "; ", Num(op.handed_over_identified),
                                 " identified by suspect id")});
    absl::StrAppend(&out, "<h3>Operation ", H(op.operation_id), "</h3>\n<p>",
                    H(op.place), op.place.empty() ? "" : ", ", H(op.region),
                    op.region.empty() ? "" : ", ", H(op.country), "; raids ",
                    H(projections::DateText(op.first_raid)),
                    op.last_raid == op.first_raid ? "" : " to ",
                    op.last_raid == op.first_raid ? "" : H(projections::DateText(op.last_raid)),
                    ".</p>\n", FiguresTable(rows));
    countries.push_back(op.country);
    for (const auto& [c, n] : op.handed_over_to) countries.push_back(c);
  } else if (p.case_view) {
    const projections::CaseView& c = *p.case_view;
    std::vector<FigureRow> rows;
    rows.push_back({"victims", Num(c.victims), "", "the largest figure any sentencing gives"});
    for (const projections::MoneyView& m : c.amounts_defrauded) {
      rows.push_back({"amount defrauded", ledger::FormatMoney(m.currency, static_cast<long long>(m.minor_units)), "",
                      "the largest per currency"});
    }
    for (const projections::MoneyView& m : c.amounts_defrauded_equivalent) {
      rows.push_back({"amount defrauded (equivalent)", ledger::FormatMoney(m.currency, static_cast<long long>(m.minor_units)),
                      "", "as the source converted it"});
    }
    rows.push_back({"prison months", "", Num(c.prison_months_total),
                    "sum of the defendants' current sentences"});
    absl::StrAppend(&out, "<h3>Case ", H(c.case_id), "</h3>\n<p>Courts: ",
                    H(absl::StrJoin(c.courts, "; ")), ". Offences ",
                    H(projections::DateText(c.offence_from)), " to ",
                    H(projections::DateText(c.offence_to)), ".</p>\n", FiguresTable(rows));
    absl::StrAppend(&out, "<table><thead><tr><th>Defendant</th><th>Nationality</th><th>Role</th>"
                          "<th>Sentence</th><th>Offences</th></tr></thead><tbody>\n");
    for (const projections::Defendant& d : c.defendants) {
      absl::StrAppend(&out, "<tr><td>", H(d.suspect_id), "</td><td>", H(d.nationality), "</td><td>",
                      H(d.role), "</td><td class=num>", Num(d.sentence.prison_months), " months",
                      d.sentence.fine ? absl::StrCat(", fine ", H(ledger::FormatMoney(
                                                         d.sentence.fine->currency,
                                                         static_cast<long long>(d.sentence.fine->minor_units))))
                                      : "",
                      "</td><td>", H(absl::StrJoin(d.sentence.offences, "; ")), "</td></tr>\n");
    }
    absl::StrAppend(&out, "</tbody></table>\n");
  } else {
    const projections::Totals& t = p.totals;
    if (scope == Scope::kAll) {
      std::vector<FigureRow> rows = {
          {"raids / arrests / handovers / sentencings", "",
           absl::StrCat(Num(t.raids), " / ", Num(t.arrests), " / ", Num(t.handovers), " / ",
                        Num(t.sentencings)),
           "events in effect"},
          {"people detained in raids", Num(t.detained), absl::StrCat(Num(t.arrests_in_operations),
                                                                     " arrests recorded one by one"),
           ByNationality(t.detained_by_nationality)},
          {"people handed over", "", Num(t.handed_over),
           absl::StrCat(Num(t.handed_over_identified), " identified, ", Num(t.handed_over_ringleaders),
                        " ringleaders")},
          {"prison months / victims", "", absl::StrCat(Num(t.prison_months), " / ", Num(t.victims)),
           "summed over cases"},
          {"corrections / retractions", "", absl::StrCat(Num(t.corrections), " / ", Num(t.retractions)),
           absl::StrCat(Num(t.retracted), " events retracted")},
      };
      for (const projections::MoneyTotal& m : t.amounts_defrauded) {
        rows.push_back({"amount defrauded", "", ledger::FormatMoney(m.currency, projections::SumText(m.minor_units)),
                        "summed over cases"});
      }
      absl::StrAppend(&out, FiguresTable(rows));
    } else {
      Sum in = 0, out_people = 0;
      for (const FlowPair& f : flows) {
        if (f.to == p.country) in += f.people;
        if (f.from == p.country) out_people += f.people;
      }
      std::vector<FigureRow> rows = {{"people handed over into the country", "", Num(in), ""},
                                     {"people handed over out of the country", "", Num(out_people), ""},
                                     {"events on this country", "", Num(static_cast<int64_t>(p.events.size())), ""}};
      absl::StrAppend(&out, FiguresTable(rows));
      countries.push_back(p.country);
    }
  }
  if (!p.case_view) {
    absl::StrAppend(&out, "<h3>Reported figures beside the derived figures</h3>\n",
                    ComparisonRows(p.totals.figures, scope == Scope::kAll
                                                         ? std::vector<std::string>{}
                                                         : countries));
  }
  absl::StrAppend(&out, "</section>\n");
  return out;
}

// --- flows -------------------------------------------------------------------

std::string FlowsSection(const std::vector<FlowPair>& flows) {
  std::string out = "<section id=flows><h2>Custody flows between countries</h2>\n";
  if (flows.empty()) {
    absl::StrAppend(&out, "<p class=muted>No handover in effect among the events shown.</p></section>\n");
    return out;
  }
  std::vector<std::string> from, to;
  for (const FlowPair& f : flows) {
    if (std::find(from.begin(), from.end(), f.from) == from.end()) from.push_back(f.from);
    if (std::find(to.begin(), to.end(), f.to) == to.end()) to.push_back(f.to);
  }
  const int row_h = 60, top = 30;
  const int height = top + row_h * static_cast<int>(std::max(from.size(), to.size())) + 10;
  int64_t max_people = 1;
  for (const FlowPair& f : flows) max_people = std::max(max_people, f.people);
  auto y_of = [&](const std::vector<std::string>& v, const std::string& c) {
    const size_t i = std::find(v.begin(), v.end(), c) - v.begin();
    return top + row_h * static_cast<int>(i) + row_h / 2;
  };
  absl::StrAppend(&out, "<svg class=flows role=img aria-label=\"custody flows\" viewBox=\"0 0 760 ",
                  height, "\" width=\"760\" height=\"", height,
                  "\" xmlns=\"http://www.w3.org/2000/svg\">\n"
                  "<text x=\"80\" y=\"18\" class=axis text-anchor=\"middle\">from</text>"
                  "<text x=\"680\" y=\"18\" class=axis text-anchor=\"middle\">to</text>\n");
  for (const FlowPair& f : flows) {
    const int y1 = y_of(from, f.from), y2 = y_of(to, f.to);
    const double w = 2.0 + 22.0 * std::sqrt(static_cast<double>(f.people) / max_people);
    absl::StrAppend(&out, absl::StrFormat(
        "<path class=flow d=\"M120 %d C 380 %d, 380 %d, 640 %d\" stroke-width=\"%.1f\"/>\n",
        y1, y1, y2, y2, w));
    absl::StrAppend(&out, "<text x=\"380\" y=\"", (y1 + y2) / 2 - 6,
                    "\" text-anchor=\"middle\" class=flowlabel>", H(Num(f.people)), " ",
                    f.people == 1 ? "person" : "people", " (", f.handovers, " ",
                    f.handovers == 1 ? "handover" : "handovers", ")</text>\n");
  }
  for (const std::string& c : from) {
    const int y = y_of(from, c);
    absl::StrAppend(&out, "<rect class=node x=\"40\" y=\"", y - 18, "\" width=\"80\" height=\"36\" rx=\"6\"/>"
                    "<text x=\"80\" y=\"", y + 5, "\" text-anchor=\"middle\" class=country>", H(c),
                    "</text>\n");
  }
  for (const std::string& c : to) {
    const int y = y_of(to, c);
    absl::StrAppend(&out, "<rect class=node x=\"640\" y=\"", y - 18, "\" width=\"80\" height=\"36\" rx=\"6\"/>"
                    "<text x=\"680\" y=\"", y + 5, "\" text-anchor=\"middle\" class=country>", H(c),
                    "</text>\n");
  }
  absl::StrAppend(&out, "</svg>\n<table><thead><tr><th>From</th><th>To</th><th>People</th>"
                        "<th>Ringleaders</th><th>Handovers</th><th>When (at its precision)</th>"
                        "</tr></thead><tbody>\n");
  for (const FlowPair& f : flows) {
    absl::StrAppend(&out, "<tr class=flowrow data-from=\"", H(f.from), "\" data-to=\"", H(f.to),
                    "\" data-people=\"", f.people, "\"><td>", H(f.from), "</td><td>", H(f.to),
                    "</td><td class=num>", Num(f.people), "</td><td class=num>", Num(f.ringleaders),
                    "</td><td class=num>", f.handovers, "</td><td>",
                    H(absl::StrJoin(f.periods, ", ")), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table></section>\n");
  return out;
}

// --- timeline ----------------------------------------------------------------

std::string TimelineSvg(const std::vector<ShownEvent>& events) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const ShownEvent& e : events) {
    if (!e.entry.occurred.set()) continue;
    auto [a, b] = Span(e.entry.occurred);
    lo = std::min(lo, a);
    hi = std::max(hi, b);
  }
  if (lo >= hi) return "";
  const double width = 900, left = 10;
  const int bar_h = 14, gap = 6;
  const int height = 30 + static_cast<int>(events.size()) * (bar_h + gap);
  std::string out = absl::StrCat(
      "<svg class=timeline role=img aria-label=\"timeline\" viewBox=\"0 0 920 ", height,
      "\" width=\"920\" height=\"", height, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
  // Year ticks.
  const absl::CivilYear y0 = absl::CivilYear(absl::ToCivilSecond(absl::FromUnixSeconds(lo), absl::UTCTimeZone()));
  const absl::CivilYear y1 = absl::CivilYear(absl::ToCivilSecond(absl::FromUnixSeconds(hi), absl::UTCTimeZone()));
  for (absl::CivilYear y = y0; y <= y1; ++y) {
    const int64_t s = absl::ToUnixSeconds(absl::FromCivil(y, absl::UTCTimeZone()));
    if (s < lo || s > hi) continue;
    const double x = left + width * static_cast<double>(s - lo) / static_cast<double>(hi - lo);
    absl::StrAppend(&out, absl::StrFormat("<line class=tick x1=\"%.1f\" y1=\"16\" x2=\"%.1f\" y2=\"%d\"/>"
                                          "<text class=axis x=\"%.1f\" y=\"12\">%d</text>\n",
                                          x, x, height, x + 2, static_cast<int>(y.year())));
  }
  int row = 0;
  for (const ShownEvent& e : events) {
    const int y = 24 + row++ * (bar_h + gap);
    if (!e.entry.occurred.set()) continue;
    auto [a, b] = Span(e.entry.occurred);
    const double x = left + width * static_cast<double>(a - lo) / static_cast<double>(hi - lo);
    const double w = std::max(3.0, width * static_cast<double>(b - a) / static_cast<double>(hi - lo));
    std::string cls = absl::StrCat("bar ", e.entry.kind);
    if (e.entry.retracted) cls += " retracted";
    if (e.entry.corrected) cls += " corrected";
    absl::StrAppend(&out, absl::StrFormat("<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">",
                                          H(cls), x, y, w, bar_h),
                    "<title>", H(projections::DateText(e.entry.occurred)), " (",
                    H(PrecisionText(e.entry.occurred)), "): ", H(e.entry.kind), " ", H(e.entry.event_id),
                    "</title></rect>");
    // The label right of the bar, else left of it, else inside it.
    const bool right = x + w + 200 < left + width;
    const bool before = !right && x > 200;
    absl::StrAppend(&out, absl::StrFormat("<text class=\"barlabel%s\" x=\"%.1f\" y=\"%d\"%s>",
                                          right || before ? "" : " inside",
                                          right ? x + w + 4 : before ? x - 4 : x + 4, y + bar_h - 3,
                                          before ? " text-anchor=\"end\"" : ""),
                    H(projections::DateText(e.entry.occurred)), " ", H(e.entry.kind), "</text>\n");
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

std::string TimelineSection(const PageData& p) {
  std::string out = "<section id=timeline><h2>Timeline</h2>\n";
  absl::StrAppend(&out,
                  "<p class=muted>Each event is drawn over the whole unit its date is known to: a "
                  "month-precise event spans its month, a year-precise one its year; no day is made "
                  "up. Corrected events show the date in effect.</p>\n",
                  TimelineSvg(p.events));
  if (p.events_left_out > 0) {
    absl::StrAppend(&out, "<p class=warn>", Num(static_cast<int64_t>(p.events_left_out)),
                    " later events are left out of this page (ledger report --max-events).</p>\n");
  }
  absl::StrAppend(&out,
                  "<table class=events><thead><tr><th>Occurred</th><th>Precision</th><th>Kind</th>"
                  "<th>What</th><th>Source</th><th>State</th><th>Position</th><th>Proof</th>"
                  "</tr></thead><tbody>\n");
  for (const ShownEvent& s : p.events) {
    const projections::TimelineEntry& e = s.entry;
    std::string cls = e.kind;
    if (e.retracted) cls += " retracted";
    if (e.corrected) cls += " corrected";
    if (e.kind == "correction" || e.kind == "retraction") cls += " fix";
    std::string occurred = H(projections::DateText(e.occurred));
    if (e.original_occurred.set() && !(e.original_occurred == e.occurred)) {
      absl::StrAppend(&occurred, "<br><s>", H(projections::DateText(e.original_occurred)), "</s>");
    }
    absl::StrAppend(&out, "<tr id=\"ev-", e.position, "\" class=\"", H(cls), "\" data-event-id=\"",
                    H(e.event_id), "\" data-verified=\"pending\"><td>", occurred, "</td><td>",
                    H(PrecisionText(e.occurred)), "</td><td>", H(e.kind), "</td><td>", H(e.summary),
                    "<br><span class=id>", H(e.event_id), "</span></td><td>", SourceHtml(e.source),
                    "</td><td>", H(StatusText(e)), "</td><td class=num>", e.position,
                    "</td><td class=verify title=\"leaf hash ", H(s.leaf_hash), "\">",
                    s.leaf_hash.empty() ? "not covered" : "not checked (needs JavaScript)",
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table></section>\n");
  return out;
}

std::string CheckpointSection(const PageData& p) {
  const ledger::Checkpoint& c = p.checkpoint.checkpoint;
  std::string out = "<section id=checkpoint><h2>Signed checkpoint and proofs</h2>\n";
  absl::StrAppend(
      &out, "<p>Every event above is proved to be leaf <i>position</i> of the log's Merkle tree "
            "(RFC 6962) whose root this checkpoint signs. The page re-checks each proof in "
            "your browser (SHA-256 through WebCrypto) and the checkpoint's Ed25519 signature "
            "where the browser supports it. Compare the verifier key below with the one the "
            "log's operator publishes: the page can only show that the key it carries signed "
            "the checkpoint.</p>\n<dl><dt>Log</dt><dd>", H(c.origin), "</dd><dt>Tree size</dt><dd>",
      Num(static_cast<int64_t>(c.size)), " records</dd><dt>Root (SHA-256, base64)</dt><dd class=id>",
      H(merkle::ToBase64(c.root)), "</dd><dt>Checkpoint file</dt><dd class=id>", H(p.checkpoint.file),
      "</dd><dt>Verifier key</dt><dd class=id>",
      p.verifier_key.empty() ? "(none given: ledger report --key VKEY embeds it)" : H(p.verifier_key),
      "</dd><dt>Signature</dt><dd id=signature-status data-status=pending>not checked (needs "
      "JavaScript)</dd></dl>\n<pre class=note>", H(p.checkpoint.signed_note), "</pre>\n",
      "<p class=muted>Offline, without a browser: <code>ledger prove inclusion --position N "
      "--size ", c.size, " --record-out r.bin &gt; p.json</code> then "
      "<code>python3 tools/verify_export.py inclusion p.json --record r.bin --checkpoint C "
      "--key VKEY</code>.</p></section>\n");
  return out;
}

const char kStyle[] = R"CSS(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d2430;background:#fff}
header{background:#1d3557;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.85}
main{padding:8px 28px 40px;max-width:1200px}
h2{border-bottom:2px solid #e1e5ec;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:10px 0;width:100%}
th,td{border-bottom:1px solid #e1e5ec;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:#5b6577}.warn{color:#9a5b00}
.id,.url,.ref{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#5b6577;word-break:break-all}
.banner{padding:12px 28px;font-weight:600;font-size:15px}
.banner.pending{background:#eef1f6;color:#333}
.banner.verified{background:#dff3e4;color:#14532d}
.banner.unsigned{background:#fff4d6;color:#6b4500}
.banner.failed{background:#fde2e1;color:#8a1111}
td.verify.true{color:#14532d;font-weight:600}
td.verify.false{color:#8a1111;font-weight:700}
td.verify.not-covered{color:#9a5b00}
tr.retracted td{text-decoration:line-through;color:#8b93a1}
tr.retracted td.verify,tr.retracted td:nth-child(6){text-decoration:none}
tr.fix{background:#fbf8ef}
tr.corrected td:nth-child(6){color:#9a5b00;font-weight:600}
svg{max-width:100%;height:auto;display:block;margin:10px 0}
svg .tick{stroke:#d5dae2}
svg .axis{fill:#5b6577;font-size:11px}
svg .bar{fill:#457b9d}
svg .bar.raid{fill:#e63946}svg .bar.handover{fill:#2a9d8f}svg .bar.sentencing{fill:#6d597a}
svg .bar.arrest{fill:#f4a261}svg .bar.reported_figure{fill:#8d99ae}
svg .bar.correction,svg .bar.retraction{fill:#e9c46a}
svg .bar.retracted{fill-opacity:.3;stroke:#8a1111;stroke-dasharray:3 2}
svg .barlabel{font-size:11px;fill:#1d2430}svg .barlabel.inside{fill:#fff;font-weight:600}
svg .flow{fill:none;stroke:#2a9d8f;stroke-opacity:.55}
svg .node{fill:#1d3557}
svg .country{fill:#fff;font-weight:700;font-size:15px}
svg .flowlabel{font-size:12px;fill:#1d2430}
pre.note{background:#f3f5f8;padding:10px;overflow-x:auto;font-size:12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:600}dd{margin:0}
)CSS";

}  // namespace

std::vector<FlowPair> FlowsOf(const std::vector<ShownEvent>& events) {
  std::map<std::pair<std::string, std::string>, FlowPair> pairs;
  for (const ShownEvent& e : events) {
    if (!e.handover) continue;
    const enforcement::v1::Handover& h = *e.handover;
    FlowPair& f = pairs[{h.from_country(), h.to_country()}];
    f.from = h.from_country();
    f.to = h.to_country();
    f.people += h.suspects_count();
    f.ringleaders += h.ringleaders_count();
    f.handovers += 1;
    f.periods.push_back(absl::StrCat(projections::DateText(e.entry.occurred), " (",
                                     PrecisionText(e.entry.occurred), ")"));
  }
  std::vector<FlowPair> out;
  for (auto& [k, f] : pairs) out.push_back(std::move(f));
  std::stable_sort(out.begin(), out.end(),
                   [](const FlowPair& a, const FlowPair& b) { return a.people > b.people; });
  return out;
}

std::string RenderPage(PageData& page, Scope scope, const char* script) {
  const std::vector<FlowPair> flows = FlowsOf(page.events);
  page.flow_pairs = flows.size();
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=en><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n<title>",
      H(page.title), " \u2014 enforcement ledger dossier</title>\n<style>", kStyle,
      "</style></head>\n<body data-verify-done=\"false\">\n<header><h1>", H(page.title),
      "</h1><p>Dossier from the enforcement ledger ", H(page.checkpoint.checkpoint.origin),
      " \u2014 ", page.events.size(), page.events.size() == 1 ? " event" : " events",
      ", checked against its signed checkpoint of ", Num(static_cast<int64_t>(page.checkpoint.checkpoint.size)),
      " records</p></header>\n"
      "<div id=verify-banner class=\"banner pending\" data-status=pending>Checking the embedded "
      "proofs in this browser\u2026</div>\n"
      "<noscript><div class=\"banner unsigned\">JavaScript is off: the proofs are embedded "
      "but not checked. Check them offline with tools/verify_export.py "
      "(docs/REPORT.md).</div></noscript>\n<main>\n");
  absl::StrAppend(&out, TotalsSection(page, scope, flows), FlowsSection(flows),
                  TimelineSection(page), CheckpointSection(page));
  // '<' only occurs inside JSON strings, where \u003c denotes it too.
  const std::string json = absl::StrReplaceAll(page.proofs_json, {{"<", "\\u003c"}});
  absl::StrAppend(&out, "</main>\n<script type=\"application/json\" id=ledger-proofs>\n", json,
                  "\n</script>\n<script>", script, "</script>\n</body></html>\n");
  return out;
}

std::string HtmlEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace report
