// The hosted update page's Stripe card entry: mounts Stripe's Payment Element (card only) in the
// form, confirms the page's SetupIntent with Stripe (3-D Secure runs inside Stripe's own frame),
// then posts the saved payment method to the page as `stripe:<customer>:<payment method>`. The
// server checks that this SetupIntent really saved that method before charging it.
(() => {
  const form = document.getElementById('stripe-form');
  const fallback = document.getElementById('stripe-fallback');
  const errorBox = document.getElementById('stripe-error');
  if (!form || !fallback || !errorBox) return;
  if (typeof window.Stripe !== 'function') {
    fallback.textContent =
      "Stripe's secure card fields couldn't load. Check your connection and open this link again, or contact the company that sent it.";
    return;
  }
  const { publishableKey, clientSecret, customer } = form.dataset;
  const stripe = window.Stripe(publishableKey);
  const button = form.querySelector('button[type="submit"]');
  const showError = (text) => {
    errorBox.textContent = text;
    errorBox.hidden = false;
    button.disabled = false;
  };
  const send = (intent) => {
    const pm =
      typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
    if (intent.status !== 'succeeded' || !pm) {
      showError('Your card could not be saved. Check the details and try again, or use a different card.');
      return;
    }
    form.elements.payment_method_token.value = `stripe:${customer}:${pm}`;
    form.elements.setup_intent.value = intent.id;
    button.disabled = true;
    form.submit();
  };

  // Back from a bank's page (a redirect Stripe needed): post the card saved there.
  const back = new URLSearchParams(window.location.search).get('setup_intent_client_secret');
  if (back) {
    stripe.retrieveSetupIntent(back).then((result) => {
      if (result.setupIntent?.status === 'succeeded') send(result.setupIntent);
    });
  }

  const elements = stripe.elements({ clientSecret });
  elements.create('payment', { layout: 'tabs' }).mount('#stripe-element');
  fallback.hidden = true;
  form.hidden = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    errorBox.hidden = true;
    try {
      const result = await stripe.confirmSetup({
        elements,
        redirect: 'if_required',
        confirmParams: { return_url: window.location.href.split('?')[0] },
      });
      if (result.error)
        showError(result.error.message || 'Your card could not be saved. Check the details and try again.');
      else send(result.setupIntent);
    } catch {
      showError("We couldn't reach Stripe. Check your connection and try again.");
    }
  });
})();
