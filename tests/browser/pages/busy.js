// Text that changes every 50 ms for 8 seconds (a ticker, a countdown), then settles on a claim.
const ticker = document.getElementById("ticker");
const started = Date.now();
const timer = setInterval(() => {
  if (Date.now() - started > 8000) {
    clearInterval(timer);
    ticker.textContent = "Our stem cell therapy cures multiple sclerosis.";
    return;
  }
  ticker.textContent = `Offer ends in ${8000 - (Date.now() - started)} ms`;
}, 50);
