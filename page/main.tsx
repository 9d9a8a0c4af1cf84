import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { preloadMarkdown } from "./markdown";
import "./styles/index.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
preloadMarkdown();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
