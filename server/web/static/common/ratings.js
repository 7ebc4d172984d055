// The labels of the 1–5 stars, one set for the rating screen (/rate) and the mobile ticket page
// (/t/…), so a customer reads the same words for the same score wherever they rate.
"use strict";

const HALLQ_RATING_LABELS = {
  "zh-CN": { s5: "非常满意", s4: "满意", s3: "一般", s2: "不太满意", s1: "不满意" },
  "zh-TW": { s5: "非常滿意", s4: "滿意", s3: "普通", s2: "不太滿意", s1: "不滿意" },
  en: { s5: "Very satisfied", s4: "Satisfied", s3: "Neutral", s2: "Not quite satisfied", s1: "Dissatisfied" },
};
