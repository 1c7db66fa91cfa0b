// The JavaScript verifier embedded in every dossier (docs/REPORT.md). A
// constant: no part of it comes from the log.
#ifndef ENFORCEMENT_REPORT_VERIFIER_JS_H_
#define ENFORCEMENT_REPORT_VERIFIER_JS_H_

namespace report {

// The script's source text (static storage). It contains no "</script".
const char* VerifierScript();

}  // namespace report

#endif  // ENFORCEMENT_REPORT_VERIFIER_JS_H_
