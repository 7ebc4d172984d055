// Mobile ticket page: the "投诉 / 建议 — complaint or suggestion" form. The customer's text is
// sent as typed and never put into the page as markup. mobile.js calls render(locale).
"use strict";

window.hallqComplaint = (() => {
  const TEXTS = {
    "zh-CN": {
      open: "投诉 / 建议", category: "类别", text: "内容", contact: "联系方式（选填，手机号或邮箱）",
      send: "提交", count: "{n} / 2000", empty: "请填写内容",
      done: "已收到您的意见（编号 {id}），我们将在 {due} 前答复。",
      badContact: "联系方式请填手机号或邮箱", tooMany: "提交太频繁，请稍后再试或联系工作人员",
      failed: "提交失败，请稍后重试",
      attitude: "服务态度", efficiency: "办事效率", error: "办理差错", environment: "大厅环境",
      policy: "政策规定", other: "其他",
    },
    "zh-TW": {
      open: "投訴 / 建議", category: "類別", text: "內容", contact: "聯絡方式（選填，手機號碼或電郵）",
      send: "送出", count: "{n} / 2000", empty: "請填寫內容",
      done: "已收到您的意見（編號 {id}），我們將在 {due} 前答覆。",
      badContact: "聯絡方式請填手機號碼或電郵", tooMany: "送出太頻繁，請稍後再試或聯絡工作人員",
      failed: "送出失敗，請稍後重試",
      attitude: "服務態度", efficiency: "辦事效率", error: "辦理差錯", environment: "大廳環境",
      policy: "政策規定", other: "其他",
    },
    en: {
      open: "Complaint or suggestion", category: "Category", text: "Your message",
      contact: "Contact (optional: phone or e-mail)", send: "Send", count: "{n} / 2000",
      empty: "Please write your message",
      done: "Thank you, we received it (no. {id}) and will answer by {due}.",
      badContact: "Contact must be a phone number or an e-mail address",
      tooMany: "Too many messages: please try again later or ask the staff",
      failed: "Could not send, please try again",
      attitude: "Staff attitude", efficiency: "Efficiency", error: "A mistake", environment: "The hall",
      policy: "Rules and policy", other: "Other",
    },
  };
  const CATEGORIES = ["attitude", "efficiency", "error", "environment", "policy", "other"];
  const $ = (id) => document.getElementById(id);
  const publicId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const state = { locale: "zh-CN", receipt: null, errorKey: "", sending: false };
  const tr = (key, vars) => HallQ.t(TEXTS, state.locale, key, vars);

  function render(locale) {
    state.locale = locale || state.locale;
    $("complaint-open").textContent = tr("open");
    $("complaint-category-label").textContent = tr("category");
    $("complaint-text-label").textContent = tr("text");
    $("complaint-contact-label").textContent = tr("contact");
    $("complaint-send").textContent = tr("send");
    const select = $("complaint-category");
    const kept = select.value || "attitude";
    select.replaceChildren(...CATEGORIES.map((c) => HallQ.el("option", { value: c }, tr(c))));
    select.value = kept;
    $("complaint-count").textContent = tr("count", { n: $("complaint-text").value.length });
    $("complaint-error").textContent = state.errorKey ? tr(state.errorKey) : "";
    const r = state.receipt;
    $("complaint-done").classList.toggle("hq-hidden", !r);
    if (r) {
      const due = new Date(r.due_at).toLocaleString(state.locale, { dateStyle: "medium", timeStyle: "short" });
      $("complaint-done").textContent = tr("done", { id: r.id, due });
    }
  }

  function toggle(open) {
    $("complaint-form").classList.toggle("hq-hidden", !open);
    $("complaint-open").setAttribute("aria-expanded", String(open));
  }

  async function send(ev) {
    ev.preventDefault();
    if (state.sending) return;
    const text = $("complaint-text").value.trim();
    state.errorKey = text ? "" : "empty";
    if (!text) { render(); return; }
    const body = { category: $("complaint-category").value, text };
    const contact = $("complaint-contact").value.trim();
    if (contact) body.contact = contact;
    state.sending = true;
    $("complaint-send").disabled = true;
    try {
      state.receipt = await HallQ.api(`/api/v1/public/tickets/${encodeURIComponent(publicId)}/complaint`,
        { method: "POST", body });
      state.errorKey = "";
      $("complaint-text").value = "";
      $("complaint-contact").value = "";
      toggle(false);
    } catch (err) {
      state.errorKey = err.status === 429 ? "tooMany"
        : err.status === 422 && contact && /contact/.test(err.detail || "") ? "badContact" : "failed";
    } finally {
      state.sending = false;
      $("complaint-send").disabled = false;
      render();
    }
  }

  function init() {
    $("complaint-open").addEventListener("click", () => toggle($("complaint-form").classList.contains("hq-hidden")));
    $("complaint-form").addEventListener("submit", send);
    $("complaint-text").addEventListener("input", () => {
      $("complaint-count").textContent = tr("count", { n: $("complaint-text").value.length });
    });
    $("complaint-contact").addEventListener("input", () => {  // a corrected contact: no old error
      if (state.errorKey === "badContact") { state.errorKey = ""; render(); }
    });
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  return { render, state };
})();
