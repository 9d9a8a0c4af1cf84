import { describe, expect, it } from "vitest";
import { extractText } from "../../src/agent/tools/extract-text";

describe("extractText", () => {
  it.each<[string, string, { title?: string; text: string }]>([
    ["plain text", "Hello world", { text: "Hello world" }],
    ["title and body", "<html><head><title> My\n Page </title></head><body><p>Hi</p></body></html>", { title: "My Page", text: "Hi" }],
    ["no title", "<p>x</p>", { text: "x" }],
    ["empty title", "<title>  </title><p>x</p>", { text: "x" }],
    ["source whitespace collapses", "<p>Hello\n   big\tworld</p>", { text: "Hello big world" }],
    ["paragraphs and headings", "<h1>T</h1><p>One</p><p>Two</p>", { text: "T\n\nOne\n\nTwo" }],
    ["line elements", "<div>a</div><div>b</div>line<br>break", { text: "a\nb\nline\nbreak" }],
    ["deep nesting does not pile up blank lines", "<div><div><div><p>a</p></div></div></div><div><p>b</p></div>", { text: "a\n\nb" }],
    ["inline elements join", "<p>un<b>believ</b><i>able</i> <a href='/x'>link</a></p>", { text: "unbelievable link" }],
    ["list items", "<ul><li>one</li><li> two </li></ul>", { text: "- one\n- two" }],
    ["table cells", "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>30</td></tr></table>", { text: "Name Age\nAnn 30" }],
    [
      "script, style and friends are dropped",
      "<script>var x = '<p>no</p>';</script><style>p{}</style><noscript>enable js</noscript><template><p>t</p></template><p>yes</p>",
      { text: "yes" },
    ],
    ["uppercase and spaced closing tags", "<SCRIPT type='x'>bad()</SCRIPT ><P>ok</P>", { text: "ok" }],
    ["an unterminated script drops the rest", "<p>before</p><script>never closed <p>after</p>", { text: "before" }],
    ["svg text is dropped", "<p>a</p><svg><title>icon</title><text>label</text></svg><p>b</p>", { text: "a\n\nb" }],
    ["comments and doctype", "<!DOCTYPE html><!-- <p>hidden</p> --><?xml version='1.0'?><p>shown</p>", { text: "shown" }],
    ["an unterminated comment hides the rest", "<p>a</p><!-- open", { text: "a" }],
    ["quoted > in attributes", `<a title="1 > 0" data-x='<p>'>text</a>`, { text: "text" }],
    ["a lone < is text", "<p>1 < 2 and 3 <= 4</p>", { text: "1 < 2 and 3 <= 4" }],
    [
      "named entities",
      "<p>Tom &amp; Jerry &lt;3 &quot;hi&quot; &copy; 2025&nbsp;&mdash;&hellip;</p>",
      { text: 'Tom & Jerry <3 "hi" © 2025 —…' },
    ],
    [
      "every named entity of HTML, not a common few",
      "<p>caf&eacute; na&iuml;ve &Ccedil;a &alpha;&beta; &rarr; &frac12; &hellip; &NotEqualTilde;</p>",
      { text: "café naïve Ça αβ → ½ … \u2242\u0338" },
    ],
    ["numeric entities", "<p>&#65;&#x42;&#X43; &#128512; &#0; &#xD800;</p>", { text: "ABC 😀 \uFFFD \uFFFD" }],
    ["astral and out-of-range code points", "<p>&#x1F600;&#x1f600 &#x110000; &#99999999999;</p>", { text: "😀😀 \uFFFD \uFFFD" }],
    ["C1 controls are read as windows-1252, as browsers do", "<p>&#128;&#x99;</p>", { text: "€™" }],
    ["an escaped entity is decoded once", "<p>&amp;lt; &amp;amp; &amp;eacute;</p>", { text: "&lt; &amp; &eacute;" }],
    ["unknown names and a bare & stay", "<p>&bogus; AT&T & co</p>", { text: "&bogus; AT&T & co" }],
    // In text (unlike attributes) a browser reads the legacy names without ";" too: "a=1&copy=2" shows "a=1©=2".
    ["legacy names without ; decode as in a browser's text", "<p>a=1&copy=2 &eacutex</p>", { text: "a=1©=2 éx" }],
    ["escaped markup stays text", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", { text: "<script>alert(1)</script>" }],
    ["entities in the title", "<title>A &amp; B</title>", { title: "A & B", text: "" }],
    ["pre keeps its layout", "<p>code:</p><pre>if (x) {\n  y();\n}</pre><p>end</p>", { text: "code:\n\nif (x) {\n  y();\n}\n\nend" }],
    ["only the first title counts", "<title>One</title><title>Two</title>", { title: "One", text: "" }],
  ])("%s", (_name, html, expected) => {
    expect(extractText(html)).toEqual(expected);
  });

  it("reads large input with unclosed quotes and tags as one swallowed tag", () => {
    const html = `<a "${"<b x='".repeat(50_000)}`;
    expect(extractText(html)).toEqual({ text: "" });
    const many = "<a ".repeat(100_000);
    expect(extractText(many).text).toBe("");
  });
});
