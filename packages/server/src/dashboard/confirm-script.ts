import { createHash } from "node:crypto";

/**
 * The confirm dialog, served as `/dashboard/confirm.js` and allowed by its hash in the CSP (the page loads it with
 * the same hash as `integrity`), so no inline script and no 'unsafe-inline' are needed. It turns every
 * `form[data-confirm]` into a `<dialog>`: the message is the server's sentence (set as text, never as HTML); Cancel
 * (focused first) closes it; the confirm button adds `confirm=1` (and the typed name) and sends the form. Without
 * this script the same form posts without `confirm=1`, and the server answers its confirm page instead of acting.
 */
export const CONFIRM_SCRIPT = `(function(){
"use strict";
var dialog,title,message,typed,typedLabel,typedInput,problem,go,pending;
function el(tag,attrs,text){var e=document.createElement(tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text)e.textContent=text;return e;}
function build(){
dialog=el("dialog",{id:"confirm-dialog","aria-labelledby":"confirm-title","aria-describedby":"confirm-message"});
title=el("h2",{id:"confirm-title"});message=el("p",{id:"confirm-message"});
typed=el("div",{});typedLabel=el("label",{"for":"confirm-typed"});
typedInput=el("input",{id:"confirm-typed",type:"text",autocomplete:"off",spellcheck:"false"});
problem=el("p",{"class":"field-error",role:"alert"});
typed.append(typedLabel,typedInput,problem);
var actions=el("div",{"class":"actions"});
var cancel=el("button",{type:"button","class":"secondary"},"Cancel");
go=el("button",{type:"button","class":"danger"});
actions.append(cancel,go);dialog.append(title,message,typed,actions);document.body.append(dialog);
cancel.addEventListener("click",function(){dialog.close();});
dialog.addEventListener("close",function(){pending=null;});
go.addEventListener("click",confirm);
typedInput.addEventListener("keydown",function(e){if(e.key==="Enter"){e.preventDefault();confirm();}});
}
function hidden(form,name,value){var i=form.querySelector('input[type=hidden][name="'+name+'"]');if(!i){i=el("input",{type:"hidden",name:name});form.append(i);}i.value=value;}
function confirm(){
var form=pending;if(!form)return;
var expected=form.getAttribute("data-confirm-type");
if(expected!==null&&typedInput.value!==expected){problem.textContent="Type "+expected+" exactly to confirm.";typedInput.setAttribute("aria-invalid","true");typedInput.focus();return;}
hidden(form,"confirm","1");if(expected!==null)hidden(form,"confirmName",typedInput.value);
pending=null;dialog.close();form.submit();
}
document.addEventListener("submit",function(e){
var form=e.target;if(!(form instanceof HTMLFormElement)||!form.hasAttribute("data-confirm"))return;
e.preventDefault();if(!dialog)build();
pending=form;
var label=form.getAttribute("data-confirm-label")||"Confirm";
title.textContent=label+"?";message.textContent=form.getAttribute("data-confirm");go.textContent=label;
var expected=form.getAttribute("data-confirm-type");
typed.hidden=expected===null;typedInput.value="";typedInput.removeAttribute("aria-invalid");problem.textContent="";
if(expected!==null)typedLabel.textContent="Type "+expected+" to confirm";
dialog.showModal();
if(expected!==null)typedInput.focus();else dialog.querySelector("button.secondary").focus();
});
})();
`;

/** `sha256-…` of the script: the CSP source and the `integrity` attribute. */
export const CONFIRM_SCRIPT_HASH = `sha256-${createHash("sha256").update(CONFIRM_SCRIPT).digest("base64")}`;
