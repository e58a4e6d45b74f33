// Progressive enhancement of the referral form: fill latitude and longitude from the phone's position.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("lat").value = p.coords.latitude.toFixed(6);
      document.getElementById("lon").value = p.coords.longitude.toFixed(6);
      button.textContent = "Location filled in";
    }, function () { button.textContent = "Location unavailable: type it in"; }, {timeout: 10000});
  });
})();
