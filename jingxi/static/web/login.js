// The login page's demo accounts: a click on a username fills in the form.
document.querySelectorAll("[data-demo-user]").forEach(function (b) {
  b.addEventListener("click", function () {
    document.querySelector("input[name=username]").value = b.dataset.demoUser;
    document.querySelector("input[name=password]").value = b.dataset.demoPassword;
  });
});
