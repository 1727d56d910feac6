// Starts Swagger UI on /docs. A classic script (the bundle defines a global), kept out of the
// page so the Content Security Policy needs no inline code.
"use strict";

const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  layout: "BaseLayout",
  presets: [window.SwaggerUIBundle.presets.apis],
  validatorUrl: null, // Swagger UI would otherwise ask validator.swagger.io about the document
});
